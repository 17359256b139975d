//! The parts catalog at the office: saving one part, and importing many from a CSV file
//! whose header row is in English or Chinese. An import is checked whole before anything
//! is written, and runs in the caller's transaction: a bad row names its row and column
//! and nothing of the file is stored.

use std::collections::{HashMap, HashSet};

use crate::db::{Connection, OptionalExtension};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onsite_core::ids::PartId;
use onsite_core::money::Money;
use onsite_core::office::{self, ImportReport};
use onsite_core::records::catalog::Part;
use serde_json::{Map, Value};

use super::audit::{self, By};
use crate::error::ApiError;
use crate::reference;

/// The currency of a price given without one.
pub const DEFAULT_CURRENCY: &str = "CNY";

/// Largest file an import takes, in bytes: a catalog of some ten thousand parts.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

/// The catalog, by part number.
pub fn list(conn: &Connection) -> Result<Vec<Part>, ApiError> {
    Ok(reference::load(conn)?.parts)
}

/// One catalog part by id.
pub fn get(conn: &Connection, id: PartId) -> Result<Option<Part>, ApiError> {
    Ok(list(conn)?.into_iter().find(|p| p.id == id))
}

fn id_of_number(conn: &Connection, number: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row("SELECT id FROM parts WHERE number = ?1", [number], |r| {
            r.get(0)
        })
        .optional()?)
}

fn trimmed(part: &Part) -> Part {
    Part {
        number: part.number.trim().to_string(),
        name: part.name.trim().to_string(),
        unit: part.unit.trim().to_string(),
        barcode: part.barcode.trim().to_string(),
        price: Money::new(part.price.minor, part.price.currency.trim()),
        ..part.clone()
    }
}

/// Adds or edits one part (matched by id). Its number must not be another part's.
pub fn save(
    conn: &Connection,
    by: By<'_>,
    part: &Part,
    now: DateTime<Utc>,
) -> Result<Part, ApiError> {
    let part = trimmed(part);
    office::check_part(&part)?;
    if let Some(other) = id_of_number(conn, &part.number)? {
        if other != part.id.to_string() {
            return Err(number_taken(&part.number));
        }
    }
    reference::put_part(conn, &part)?;
    audit::record(
        conn,
        by,
        "part_saved",
        &part.number,
        &serde_json::json!({ "name": part.name }).to_string(),
        now,
    )?;
    Ok(part)
}

fn number_taken(number: &str) -> ApiError {
    let mut details = Map::new();
    details.insert("number".into(), number.into());
    ApiError::new(
        StatusCode::CONFLICT,
        "errors.catalog.number_taken",
        format!("another part already has the number {number:?}"),
    )
    .with_details(details)
}

/// Imports a CSV catalog: a part whose number is already in the catalog is updated
/// (keeping its id, so stock and orders still point at it), any other is added.
pub fn import(
    conn: &Connection,
    by: By<'_>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, ApiError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "errors.catalog.import_too_large",
            format!("a catalog file may have at most {MAX_IMPORT_BYTES} bytes"),
        ));
    }
    let rows = parse(text).map_err(ApiError::from)?;
    let mut report = ImportReport {
        added: 0,
        updated: 0,
    };
    for (row, mut part) in rows {
        match id_of_number(conn, &part.number)? {
            Some(id) => {
                part.id = id
                    .parse()
                    .map(PartId)
                    .map_err(|e| ApiError::internal(format!("stored part id {id}: {e}")))?;
                report.updated += 1;
            }
            None => report.added += 1,
        }
        // Checked by `parse` already; kept as the one rule for every way a part arrives.
        office::check_part(&part).map_err(|e| {
            ApiError::from(ImportError {
                row,
                column: String::new(),
                problem: Problem::Invalid(e.code()),
            })
        })?;
        reference::put_part(conn, &part)?;
    }
    audit::record(
        conn,
        by,
        "catalog_imported",
        "",
        &serde_json::json!({ "added": report.added, "updated": report.updated }).to_string(),
        now,
    )?;
    Ok(report)
}

/// The columns of a catalog file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Number,
    Name,
    Unit,
    Price,
    Currency,
    Serialized,
    Valuable,
    Certified,
    Barcode,
}

impl Column {
    /// The header names each column is known by, lower case: English, then the words
    /// the storekeepers' own spreadsheets use.
    fn from_header(header: &str) -> Option<Self> {
        let h = header.trim().to_lowercase().replace(['_', '-'], " ");
        Some(match h.as_str() {
            "number" | "part number" | "part no" | "part no." | "编号" | "备件编号" | "零件号"
            | "料号" => Column::Number,
            "name" | "part name" | "名称" | "备件名称" | "零件名称" => Column::Name,
            "unit" | "单位" => Column::Unit,
            "price" | "unit price" | "价格" | "单价" => Column::Price,
            "currency" | "币种" | "货币" => Column::Currency,
            "serialized" | "serial" | "序列号" | "序列号管理" | "是否序列号" => {
                Column::Serialized
            }
            "valuable"
            | "valuable or limited"
            | "valuable/limited"
            | "贵重"
            | "贵重/限量"
            | "贵重限量"
            | "限量" => Column::Valuable,
            "certified" | "genuine" | "认证" | "原厂认证" | "原厂或认证" | "原厂/认证" => {
                Column::Certified
            }
            "barcode" | "ean" | "条码" | "条形码" => Column::Barcode,
            _ => return None,
        })
    }

    const REQUIRED: [Column; 4] = [Column::Number, Column::Name, Column::Unit, Column::Price];

    fn english(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::Name => "name",
            Column::Unit => "unit",
            Column::Price => "price",
            Column::Currency => "currency",
            Column::Serialized => "serialized",
            Column::Valuable => "valuable",
            Column::Certified => "certified",
            Column::Barcode => "barcode",
        }
    }
}

/// What is wrong with a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// Nothing after the header row, or no header row.
    Empty,
    /// A required column has no header.
    MissingColumn,
    /// Two headers name the same column.
    DuplicateColumn,
    /// A row with more or fewer cells than the header.
    CellCount,
    /// Not UTF-8, or a broken quote.
    Unreadable,
    /// An empty cell in a required column.
    MissingValue,
    /// A price that is not a number of at most two decimals, or below zero.
    BadPrice,
    /// Not yes/no.
    BadFlag,
    /// A barcode with something other than digits.
    BadBarcode,
    /// A part number given twice in the file.
    DuplicateNumber,
    /// Refused by the catalog's rules with this code.
    Invalid(&'static str),
}

/// A problem at a row (the file's line, the header being row 1) and column (its header
/// as written in the file, or the English name of a missing one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ImportError {
    row: u64,
    column: String,
    problem: Problem,
}

impl From<ImportError> for ApiError {
    fn from(err: ImportError) -> Self {
        let (code, what): (&'static str, &str) = match err.problem {
            Problem::Empty => ("errors.catalog.import_empty", "the file has no parts"),
            Problem::MissingColumn => (
                "errors.catalog.import_missing_column",
                "a required column is missing",
            ),
            Problem::DuplicateColumn => (
                "errors.catalog.import_duplicate_column",
                "two headers name the same column",
            ),
            Problem::CellCount => (
                "errors.catalog.import_cell_count",
                "the row has a different number of cells than the header",
            ),
            Problem::Unreadable => (
                "errors.catalog.import_unreadable",
                "the file is not readable CSV in UTF-8",
            ),
            Problem::MissingValue => ("errors.catalog.import_missing_value", "the cell is empty"),
            Problem::BadPrice => (
                "errors.catalog.import_bad_price",
                "not a price of zero or more with at most two decimals",
            ),
            Problem::BadFlag => ("errors.catalog.import_bad_flag", "not yes or no"),
            Problem::BadBarcode => ("errors.catalog.import_bad_barcode", "not all digits"),
            Problem::DuplicateNumber => (
                "errors.catalog.import_duplicate_number",
                "the part number is in the file twice",
            ),
            Problem::Invalid(code) => (code, "refused by the catalog's rules"),
        };
        let mut details = Map::new();
        details.insert("row".into(), Value::from(err.row));
        details.insert("column".into(), Value::from(err.column.clone()));
        ApiError::bad_request(
            code,
            format!("catalog row {}, column {:?}: {what}", err.row, err.column),
        )
        .with_details(details)
    }
}

fn flag(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "1" | "y" | "yes" | "true" | "是" | "✓" | "√" => Some(true),
        "" | "0" | "n" | "no" | "false" | "否" => Some(false),
        _ => None,
    }
}

/// A price in major units ("120", "120.5", "¥1,280.00") as minor units (fen).
fn price(cell: &str) -> Option<i64> {
    let clean: String = cell
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, frac) = clean.split_once('.').unwrap_or((clean.as_str(), ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Reads a whole catalog file into parts with fresh ids, each with its row, or the first
/// problem found.
fn parse(text: &str) -> Result<Vec<(u64, Part)>, ImportError> {
    // Spreadsheets save UTF-8 with a byte-order mark in front of the first header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let at = |row: u64, column: &str, problem| ImportError {
        row,
        column: column.to_string(),
        problem,
    };
    let headers = reader
        .headers()
        .map_err(|_| at(1, "", Problem::Unreadable))?
        .clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(at(1, "", Problem::Empty));
    }
    let mut columns: HashMap<Column, (usize, String)> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        // Other columns (notes, supplier) are the storekeeper's own and are ignored.
        if let Some(column) = Column::from_header(header) {
            if columns.insert(column, (i, header.to_string())).is_some() {
                return Err(at(1, header, Problem::DuplicateColumn));
            }
        }
    }
    for required in Column::REQUIRED {
        if !columns.contains_key(&required) {
            return Err(at(1, required.english(), Problem::MissingColumn));
        }
    }
    let mut parts = Vec::new();
    let mut numbers = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map(|p| p.line()).unwrap_or(0);
            match e.kind() {
                csv::ErrorKind::UnequalLengths { .. } => at(row, "", Problem::CellCount),
                _ => at(row, "", Problem::Unreadable),
            }
        })?;
        let row = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // a blank line at the end of a spreadsheet export
        }
        let cell = |column: Column| -> Option<(&str, &str)> {
            let (i, header) = columns.get(&column)?;
            Some((record.get(*i).unwrap_or(""), header.as_str()))
        };
        let required = |column: Column| -> Result<(String, String), ImportError> {
            let (value, header) = cell(column).unwrap_or(("", column.english()));
            if value.trim().is_empty() {
                return Err(at(row, header, Problem::MissingValue));
            }
            Ok((value.trim().to_string(), header.to_string()))
        };
        let yes_no = |column: Column, absent: bool| -> Result<bool, ImportError> {
            match cell(column) {
                None => Ok(absent),
                Some((value, header)) => {
                    flag(value).ok_or_else(|| at(row, header, Problem::BadFlag))
                }
            }
        };
        let (number, number_header) = required(Column::Number)?;
        let (name, _) = required(Column::Name)?;
        let (unit, _) = required(Column::Unit)?;
        let (price_cell, price_header) = required(Column::Price)?;
        let minor = price(&price_cell).ok_or_else(|| at(row, &price_header, Problem::BadPrice))?;
        let currency = cell(Column::Currency)
            .map(|(v, _)| v.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_CURRENCY)
            .to_uppercase();
        let barcode = match cell(Column::Barcode) {
            Some((value, header)) => {
                let value = value.trim();
                if !value.chars().all(|c| c.is_ascii_digit()) {
                    return Err(at(row, header, Problem::BadBarcode));
                }
                value.to_string()
            }
            None => String::new(),
        };
        if !numbers.insert(number.clone()) {
            return Err(at(row, &number_header, Problem::DuplicateNumber));
        }
        let part = Part {
            id: PartId(uuid::Uuid::now_v7()),
            number,
            name,
            unit,
            price: Money::new(minor, &currency),
            serialized: yes_no(Column::Serialized, false)?,
            valuable: yes_no(Column::Valuable, false)?,
            // A company lists the genuine or certified parts it may fit, unless its
            // file says otherwise part by part.
            certified: yes_no(Column::Certified, true)?,
            barcode,
        };
        office::check_part(&part).map_err(|e| at(row, "", Problem::Invalid(e.code())))?;
        parts.push((row, part));
    }
    if parts.is_empty() {
        return Err(at(2, "", Problem::Empty));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_read_the_same_catalog() -> anyhow::Result<()> {
        let zh = "备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码,备注\n\
                  BR-21,排水泵,个,120.00,是,否,是,6901234567892,常用\n\
                  MB-7,主板,块,\"¥1,280.5\",是,是,是,,\n";
        let en = "Number,Name,Unit,Price,Serialized,Valuable,Certified,Barcode\n\
                  BR-21,排水泵,个,120,yes,no,yes,6901234567892\n\
                  MB-7,主板,块,1280.50,1,1,1,\n";
        let strip = |v: Vec<(u64, Part)>| -> Vec<(u64, Part)> {
            v.into_iter()
                .map(|(row, p)| {
                    (
                        row,
                        Part {
                            id: PartId(uuid::Uuid::nil()),
                            ..p
                        },
                    )
                })
                .collect()
        };
        let zh = strip(parse(zh).map_err(|e| anyhow::anyhow!("{e:?}"))?);
        let en = strip(parse(en).map_err(|e| anyhow::anyhow!("{e:?}"))?);
        assert_eq!(zh, en);
        assert_eq!(zh[1].0, 3, "the second part is on the file's third line");
        assert_eq!(zh[1].1.price, Money::new(128_050, "CNY"));
        assert!(zh[0].1.serialized && !zh[0].1.valuable && zh[0].1.certified);
        assert!(zh[1].1.valuable && zh[1].1.barcode.is_empty());
        Ok(())
    }

    #[test]
    fn a_bad_cell_names_its_row_and_its_column_as_the_file_heads_it() {
        let file = "编号,名称,单位,单价\nBR-21,排水泵,个,120\nBR-22,进水阀,个,十二\n";
        let err = parse(file).unwrap_err();
        assert_eq!(
            err,
            ImportError {
                row: 3,
                column: "单价".into(),
                problem: Problem::BadPrice
            }
        );
        let api = ApiError::from(err);
        assert_eq!(api.code, "errors.catalog.import_bad_price");
        assert_eq!(api.details["row"], 3);
        assert_eq!(api.details["column"], "单价");
    }

    #[test]
    fn missing_columns_empty_cells_bad_flags_and_repeated_numbers_are_refused() {
        let missing = parse("number,name,unit\nA,B,pcs\n").unwrap_err();
        assert_eq!((missing.row, missing.column.as_str()), (1, "price"));
        assert_eq!(missing.problem, Problem::MissingColumn);
        let empty = parse("number,name,unit,price\nA,,pcs,1\n").unwrap_err();
        assert_eq!((empty.row, empty.column.as_str()), (2, "name"));
        let bad_flag = parse("number,name,unit,price,serialized\nA,B,pcs,1,maybe\n").unwrap_err();
        assert_eq!(bad_flag.problem, Problem::BadFlag);
        let twice = parse("number,name,unit,price\nA,B,pcs,1\nA,C,pcs,2\n").unwrap_err();
        assert_eq!((twice.row, twice.problem), (3, Problem::DuplicateNumber));
        let cells = parse("number,name,unit,price\nA,B,pcs\n").unwrap_err();
        assert_eq!((cells.row, cells.problem), (2, Problem::CellCount));
        assert_eq!(
            parse("number,name,unit,price\n").unwrap_err().problem,
            Problem::Empty
        );
        let barcode = parse("number,name,unit,price,barcode\nA,B,pcs,1,69-01\n").unwrap_err();
        assert_eq!(barcode.problem, Problem::BadBarcode);
    }

    #[test]
    fn prices_are_read_to_the_fen() {
        assert_eq!(price("120"), Some(12_000));
        assert_eq!(price("0.5"), Some(50));
        assert_eq!(price("￥1,280.05"), Some(128_005));
        assert_eq!(price("1.234"), None);
        assert_eq!(price("-3"), None);
        assert_eq!(price(""), None);
    }

    #[test]
    fn a_bad_row_leaves_the_catalog_as_it_was_and_a_good_file_updates_by_number(
    ) -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let now = Utc::now();
        let first = db.transaction(|tx| {
            import(
                tx,
                audit::COMMAND_LINE,
                "number,name,unit,price\nBR-21,排水泵,pcs,120\n",
                now,
            )
        })?;
        assert_eq!((first.added, first.updated), (1, 0));
        let before = list(&db.conn())?;
        let bad = db.transaction(|tx| {
            import(
                tx,
                audit::COMMAND_LINE,
                "number,name,unit,price\nBR-21,Drain pump,pcs,99\nMB-7,主板,pcs,abc\n",
                now,
            )
        });
        assert!(bad.is_err());
        assert_eq!(
            list(&db.conn())?,
            before,
            "nothing of a file with a bad row is stored, not even its good rows"
        );
        let second = db.transaction(|tx| {
            import(
                tx,
                audit::COMMAND_LINE,
                "number,name,unit,price\nBR-21,Drain pump,pcs,99\nMB-7,主板,pcs,1280\n",
                now,
            )
        })?;
        assert_eq!((second.added, second.updated), (1, 1));
        let after = list(&db.conn())?;
        let pump = after.iter().find(|p| p.number == "BR-21");
        assert_eq!(
            pump.map(|p| (p.id, p.name.as_str())),
            Some((before[0].id, "Drain pump")),
            "an updated part keeps its id"
        );
        Ok(())
    }
}
