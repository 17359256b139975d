//! Reference data: the parts catalog, stock locations (the warehouse and each
//! technician's van), the staff directory and the company's settings and calendar
//! (`company.rs`). The office edits it; devices only read it,
//! so it is plain tables served as JSON (`GET /v1/reference`) rather than documents.

use crate::db::{Connection, OptionalExtension};
use crate::params;
use onsite_core::ids::{LocationId, PartId, UserId};
use onsite_core::money::Money;
use onsite_core::protocol::{Reference, StaffEntry};
use onsite_core::records::catalog::{Location, LocationKind, Part};
use sha2::{Digest, Sha256};

use crate::accounts;
use crate::error::ApiError;

/// Adds or updates a catalog part (matched by id).
pub fn put_part(conn: &Connection, part: &Part) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO parts (id, number, name, unit, price_minor, currency, serialized, valuable,
                            certified, barcode)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, name = excluded.name,
            unit = excluded.unit, price_minor = excluded.price_minor,
            currency = excluded.currency, serialized = excluded.serialized,
            valuable = excluded.valuable, certified = excluded.certified,
            barcode = excluded.barcode",
        params![
            part.id.to_string(),
            part.number,
            part.name,
            part.unit,
            part.price.minor,
            part.price.currency,
            part.serialized,
            part.valuable,
            part.certified,
            part.barcode,
        ],
    )?;
    Ok(())
}

/// Adds or renames a stock location.
pub fn put_location(conn: &Connection, location: &Location) -> Result<(), ApiError> {
    let kind = match location.kind {
        LocationKind::Warehouse => "warehouse",
        LocationKind::Van => "van",
    };
    conn.execute(
        "INSERT INTO locations (id, name, kind, holder) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
            holder = excluded.holder",
        params![
            location.id.to_string(),
            location.name,
            kind,
            location.holder.map(|h| h.to_string()),
        ],
    )?;
    Ok(())
}

/// The van of technician `holder`, created with `id` if they have none yet.
pub fn ensure_van(
    conn: &Connection,
    holder: UserId,
    name: &str,
    id: LocationId,
) -> Result<LocationId, ApiError> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM locations WHERE kind = 'van' AND holder = ?1",
            [holder.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = existing {
        return existing
            .parse()
            .map(LocationId)
            .map_err(|e| ApiError::internal(format!("stored van id {existing}: {e}")));
    }
    put_location(
        conn,
        &Location {
            id,
            name: name.to_string(),
            kind: LocationKind::Van,
            holder: Some(holder),
        },
    )?;
    Ok(id)
}

/// Everything a device gets from `GET /v1/reference`, in a stable order so the ETag only
/// changes when the data does.
pub fn load(conn: &Connection) -> Result<Reference, ApiError> {
    let bad = |what: &str, value: &str| ApiError::internal(format!("stored {what} {value}"));
    let parts = conn
        .prepare(
            "SELECT id, number, name, unit, price_minor, currency, serialized, valuable,
                    certified, barcode FROM parts ORDER BY number",
        )?
        .query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                Part {
                    id: PartId(uuid::Uuid::nil()),
                    number: r.get(1)?,
                    name: r.get(2)?,
                    unit: r.get(3)?,
                    price: Money::new(r.get(4)?, &r.get::<_, String>(5)?),
                    serialized: r.get(6)?,
                    valuable: r.get(7)?,
                    certified: r.get(8)?,
                    barcode: r.get(9)?,
                },
            ))
        })?
        .map(|row| {
            let (id, mut part) = row?;
            part.id = PartId(id.parse().map_err(|_| bad("part id", &id))?);
            Ok(part)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let locations = conn
        .prepare("SELECT id, name, kind, holder FROM locations ORDER BY kind DESC, name, id")?
        .query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .map(|row| {
            let (id, name, kind, holder) = row?;
            Ok(Location {
                id: LocationId(id.parse().map_err(|_| bad("location id", &id))?),
                name,
                kind: if kind == "van" {
                    LocationKind::Van
                } else {
                    LocationKind::Warehouse
                },
                holder: holder
                    .map(|h| h.parse().map(UserId).map_err(|_| bad("holder id", &h)))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let staff = conn
        .prepare("SELECT id, name, role FROM users ORDER BY name, id")?
        .query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .map(|row| {
            let (id, name, role) = row?;
            Ok(StaffEntry {
                id: UserId(id.parse().map_err(|_| bad("user id", &id))?),
                name,
                role: accounts::parse_role(&role)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Reference {
        parts,
        locations,
        staff,
        company: crate::company::rules(conn)?,
    })
}

/// The reference data as served: its JSON and ETag.
pub fn current(conn: &Connection) -> Result<(Vec<u8>, String), ApiError> {
    let data = load(conn)?;
    let json = serde_json::to_vec(&data).map_err(|e| ApiError::internal(e.to_string()))?;
    let tag = etag(&json);
    Ok((json, tag))
}

/// A strong ETag for `reference`: the SHA-256 of its JSON.
pub fn etag(json: &[u8]) -> String {
    let digest = Sha256::digest(json);
    format!("\"{}\"", &hex::encode(digest)[..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_round_trips_and_a_technician_gets_one_van() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let tech = accounts::add(
            &conn,
            "liwei",
            "李伟",
            onsite_core::role::Role::Technician,
            "long enough",
        )?;
        let holder = UserId(tech.id.parse()?);
        let van = ensure_van(&conn, holder, "李伟的车", LocationId(uuid::Uuid::now_v7()))?;
        let again = ensure_van(&conn, holder, "other", LocationId(uuid::Uuid::now_v7()))?;
        assert_eq!(
            van, again,
            "a technician has one van, however often it is ensured"
        );
        let part = Part {
            id: PartId(uuid::Uuid::now_v7()),
            number: "BR-21".into(),
            name: "排水泵 drain pump".into(),
            unit: "pcs".into(),
            price: Money::new(12_000, "CNY"),
            serialized: true,
            valuable: false,
            certified: true,
            barcode: "6901234567892".into(),
        };
        put_part(&conn, &part)?;
        let reference = load(&conn)?;
        assert_eq!(reference.parts, vec![part]);
        assert_eq!(reference.locations.len(), 1);
        assert_eq!(reference.locations[0].holder, Some(holder));
        assert_eq!(reference.staff[0].name, "李伟");
        let json = serde_json::to_vec(&reference)?;
        assert_eq!(etag(&json), etag(&serde_json::to_vec(&load(&conn)?)?));
        Ok(())
    }
}
