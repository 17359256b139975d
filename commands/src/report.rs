//! The service report (服务报告) PDF of an order, made on this device from its own copy,
//! offline (`onsite-report`): `service_report` writes it into the app's `reports/`
//! folder and answers the file's path and its bytes as a `data:` URL, which the phone
//! shares and the desk saves or prints.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::ids::OrderId;
use onsite_report::{Lang, ReportInput};
use serde::Serialize;

use crate::error::CommandError;
use crate::{parse_id, reference, rules_of, App};

/// A report made and saved.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ServiceReport {
    /// The file's name, e.g. `WO-2026-000123-服务报告.pdf`.
    pub file_name: String,
    /// Where it was saved on this device.
    pub path: String,
    /// The PDF as a `data:application/pdf;base64,…` URL.
    pub data_url: String,
    /// Its pages.
    pub pages: u32,
    /// Photos or the signature this device does not have yet (the report says so).
    pub blobs_missing: u32,
    /// Characters of the order the report font cannot show.
    pub missing_glyphs: Vec<String>,
}

/// Renders the report of order `id` in `lang` (`zh-CN` or `en`) and saves it.
#[tracing::instrument(skip_all, fields(order = %id, lang = %lang))]
pub fn service_report(app: &App, id: &str, lang: &str) -> Result<ServiceReport, CommandError> {
    let order_id: OrderId = parse_id("order", id)?;
    let lang = Lang::parse(lang).ok_or_else(|| {
        CommandError::new(
            "errors.report.bad_lang",
            format!("{lang:?} is not a report language: zh-CN or en"),
        )
        .with("lang", lang)
    })?;
    app.with_store(|store| {
        let order = store.order(order_id)?;
        let rules = rules_of(store);
        let settings = &rules.for_order_doc(&order).settings;
        let people = reference::people(store)?;
        let mut blobs = HashMap::new();
        let mut missing = 0u32;
        for hash in onsite_report::blobs_wanted(&order) {
            if store.blob_meta(&hash)?.is_some() {
                blobs.insert(hash.clone(), store.read_blob(&hash)?);
            } else {
                missing += 1;
            }
        }
        let report = onsite_report::render(&ReportInput {
            order: &order,
            settings,
            utc_offset_minutes: rules.calendar.utc_offset_minutes,
            people: &people,
            blobs: &blobs,
            lang,
        })
        .map_err(|e| CommandError::new("errors.report.failed", format!("order {id}: {e}")))?;
        let dir = store
            .blob_dir()
            .parent()
            .unwrap_or(store.blob_dir())
            .join("reports");
        let file_name = onsite_report::file_name(&order, lang);
        let path = dir.join(&file_name);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, &report.pdf))
            .map_err(|e| {
                CommandError::new(
                    "errors.report.not_saved",
                    format!("saving {}: {e}", path.display()),
                )
            })?;
        Ok(ServiceReport {
            file_name,
            path: path.display().to_string(),
            data_url: format!("data:application/pdf;base64,{}", B64.encode(&report.pdf)),
            pages: u32::try_from(report.pages).unwrap_or(u32::MAX),
            blobs_missing: missing,
            missing_glyphs: report.missing_glyphs.iter().map(char::to_string).collect(),
        })
    })
}
