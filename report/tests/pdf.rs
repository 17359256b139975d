//! The service report as a customer gets it: rendered for a Chinese order with photos
//! and a signature, then read back with poppler (`pdftotext`, `pdffonts`, `pdftoppm`),
//! the tools a customer's PDF viewer is built on. The pages are written as PNGs to
//! `target/report/` for a person to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use onsite_core::doc::order::OrderOp;
use onsite_core::money::Money;
use onsite_core::ops::Ctx;
use onsite_report::{render, sample, Lang, Report, ReportInput};

fn report(s: &sample::Sample, lang: Lang) -> Result<Report> {
    Ok(render(&ReportInput {
        order: &s.order,
        settings: &s.settings,
        utc_offset_minutes: 480,
        people: &s.people,
        blobs: &s.blobs,
        lang,
    })?)
}

fn run(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd.output().with_context(|| {
        format!("running {cmd:?} (poppler-utils, installed by scripts/setup.sh)")
    })?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.stdout)
}

/// A fontconfig set-up that finds no fonts at all: a viewer on a machine without CJK
/// fonts, or without any.
fn no_fonts(dir: &Path) -> Result<PathBuf> {
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            r#"<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{0}/none</dir><cachedir>{0}/cache</cachedir></fontconfig>"#,
            dir.display()
        ),
    )?;
    Ok(conf)
}

fn text_of(pdf: &Path, fontconfig: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new("pdftotext");
    cmd.arg(pdf).arg("-");
    if let Some(conf) = fontconfig {
        cmd.env("FONTCONFIG_FILE", conf);
    }
    Ok(String::from_utf8(run(&mut cmd)?)?)
}

/// Renders every page to PNG; returns the files in page order.
fn pngs(pdf: &Path, prefix: &Path, fontconfig: Option<&Path>) -> Result<Vec<PathBuf>> {
    let mut cmd = Command::new("pdftoppm");
    cmd.args(["-r", "110", "-png"]).arg(pdf).arg(prefix);
    if let Some(conf) = fontconfig {
        cmd.env("FONTCONFIG_FILE", conf);
    }
    run(&mut cmd)?;
    let dir = prefix.parent().context("prefix has a folder")?;
    let stem = prefix
        .file_name()
        .context("prefix")?
        .to_string_lossy()
        .to_string();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{stem}-")))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn screens_dir() -> Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/report");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[test]
fn a_chinese_report_reads_back_with_the_customer_parts_and_fee() -> Result<()> {
    let s = sample::order(6)?;
    let r = report(&s, Lang::ZhCn)?;
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, &r.pdf)?;
    let text = text_of(&pdf, None)?;
    for wanted in [
        sample::CUSTOMER,
        "服务报告",
        sample::PARTS[0],
        sample::PARTS[1],
        "BR21-2026-00417",
        "BR21-2019-88210",
        sample::FEE,
        "海川家电售后服务有限公司",
        "更换传动皮带并调整张紧度",
        "签字有效",
        &s.order.sign_off.as_ref().context("signed")?.digest,
    ] {
        assert!(
            text.contains(wanted),
            "the report's text must contain {wanted:?}; pdftotext gave:\n{text}"
        );
    }
    Ok(())
}

#[test]
fn the_font_is_embedded_so_the_pages_render_the_same_without_any_system_font() -> Result<()> {
    let s = sample::order(6)?;
    let r = report(&s, Lang::ZhCn)?;
    assert!(
        r.missing_glyphs.is_empty(),
        "every character of the report has a glyph in the embedded font: {:?}",
        r.missing_glyphs
    );
    let out = screens_dir()?;
    let pdf = out.join("report-zh-CN.pdf");
    std::fs::write(&pdf, &r.pdf)?;

    // pdffonts: one font, embedded (and subset), with a ToUnicode map.
    let fonts = String::from_utf8(run(Command::new("pdffonts").arg(&pdf))?)?;
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "pdffonts lists the font:\n{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object ID: the three yes/no columns are before
        // the last two (object number and generation).
        let n = cols.len();
        assert!(n >= 7, "a pdffonts row: {row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "every font is embedded, subset and has a ToUnicode map: {row}"
        );
    }

    // The same pages with fontconfig finding no fonts at all: poppler would substitute
    // (or draw nothing) for a font that is not embedded, so identical pixels prove that
    // every glyph drawn comes from the PDF itself.
    let work = tempfile::tempdir()?;
    let conf = no_fonts(work.path())?;
    let with_system = pngs(&pdf, &out.join("report-zh-CN"), None)?;
    let without = pngs(&pdf, &work.path().join("bare"), Some(&conf))?;
    assert!(
        with_system.len() >= 2,
        "the sample report runs to several pages"
    );
    assert_eq!(with_system.len(), without.len(), "same number of pages");
    for (a, b) in with_system.iter().zip(&without) {
        assert!(
            std::fs::read(a)? == std::fs::read(b)?,
            "{} renders the same with no system fonts",
            a.display()
        );
    }
    let text = text_of(&pdf, Some(&conf))?;
    assert!(
        text.contains(sample::CUSTOMER),
        "the name reads back with no system fonts"
    );

    // The first page is not blank: a good share of its pixels carry ink.
    let page = image::open(&with_system[0])?.to_luma8();
    let inked = page.pixels().filter(|p| p.0[0] < 128).count();
    assert!(
        inked * 100 > page.len() / 2,
        "the first page has text and pictures on it ({inked} dark pixels)"
    );
    Ok(())
}

#[test]
fn a_character_outside_the_font_is_reported_not_hidden() -> Result<()> {
    // The check above can fail: a name in CJK Extension B (𠀾) has no glyph in the
    // embedded subset, and the report says which character it drew as a box.
    let mut s = sample::order(0)?;
    s.order.customer.name = "王𠀾".into();
    let r = report(&s, Lang::ZhCn)?;
    assert_eq!(r.missing_glyphs, vec!['𠀾']);
    Ok(())
}

#[test]
fn the_same_order_gives_the_same_bytes_and_each_language_its_own() -> Result<()> {
    let s = sample::order(2)?;
    let a = report(&s, Lang::ZhCn)?;
    let b = report(&sample::order(2)?, Lang::ZhCn)?;
    assert!(
        a.pdf == b.pdf,
        "regenerating the report gives an identical file"
    );
    let en = report(&s, Lang::En)?;
    assert!(
        en.pdf != a.pdf,
        "the English report is a different document"
    );
    let dir = screens_dir()?;
    let pdf = dir.join("report-en.pdf");
    std::fs::write(&pdf, &en.pdf)?;
    pngs(&pdf, &dir.join("report-en"), None)?;
    let text = text_of(&pdf, None)?;
    for wanted in [
        "Service report",
        "Fee charged",
        sample::CUSTOMER,
        sample::FEE,
        "Valid:",
    ] {
        assert!(
            text.contains(wanted),
            "the English report has {wanted:?}:\n{text}"
        );
    }
    Ok(())
}

#[test]
fn a_report_after_the_fee_changed_says_the_sign_off_is_void() -> Result<()> {
    let mut s = sample::order(1)?;
    let before = report(&s, Lang::ZhCn)?;
    let ctx = Ctx {
        actor: s.cast.supervisor,
        now: s.order.sign_off.as_ref().context("signed")?.at + chrono::Duration::hours(2),
        settings: &s.settings,
        calendar: &onsite_core::Calendar::default(),
    };
    s.order.apply(
        &OrderOp::OverrideFee {
            id: onsite_core::fixtures::rid(777),
            fee: Money::new(30_000, "CNY"),
            reason: "会员折扣".into(),
        },
        &ctx,
    )?;
    let after = report(&s, Lang::ZhCn)?;
    assert!(after.pdf != before.pdf, "the voided report differs");
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("void.pdf");
    std::fs::write(&pdf, &after.pdf)?;
    let text = text_of(&pdf, None)?;
    assert!(
        text.contains("签字已失效"),
        "the report says the sign-off is void:\n{text}"
    );
    assert!(!text.contains("签字有效"), "and not that it is valid");
    let en = report(&s, Lang::En)?;
    std::fs::write(&pdf, &en.pdf)?;
    assert!(text_of(&pdf, None)?.contains("VOID"), "in English too");
    Ok(())
}
