//! onsite-report: the service report (服务报告) of one order as a PDF, in the customer's
//! language, set in a font compiled into the binary. Pure: it takes the order, the
//! company's settings, people's names and the blobs (photos, signature strokes) as
//! values and returns bytes, so the device renders it offline and the server's
//! `onsite-server report` renders the office copy with the same code. No clock is read:
//! the same inputs give a byte-identical PDF. See `docs/report.md`.

mod draw;
mod font;
mod layout;
#[cfg(feature = "fixtures")]
pub mod sample;
mod strokes;
mod words;

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};
use krilla::image::Image;
use onsite_core::doc::order::OrderDoc;
use onsite_core::ids::UserId;
use onsite_core::settings::Settings;
use onsite_core::signoff::{self, SignOffStatus};

pub use font::FONT_BYTES;
pub use words::Lang;

use layout::{Item, Layout, ACCENT, BAD, BODY, GOOD, INK, MARGIN, MUTED, PAGE_H, PAGE_W, SHADE};
use words::{word, W};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The compiled-in font could not be read (a broken build, never user data).
    #[error("the report font could not be read")]
    Font,
    /// krilla refused to write the document.
    #[error("writing the report PDF: {0}")]
    Pdf(String),
}

/// Everything a report is made from.
pub struct ReportInput<'a> {
    /// The order.
    pub order: &'a OrderDoc,
    /// The settings the order runs under: the company's name, address, phone and logo,
    /// the repair warranty.
    pub settings: &'a Settings,
    /// The company's offset from UTC in minutes, for the times printed.
    pub utc_offset_minutes: i32,
    /// User id → name, for who did the work.
    pub people: &'a HashMap<String, String>,
    /// Blob hash → bytes: the order's photos and its signature strokes, as far as this
    /// copy has them ([`blobs_wanted`] lists which). A missing one is said on the report.
    pub blobs: &'a HashMap<String, Vec<u8>>,
    /// The customer's language.
    pub lang: Lang,
}

/// The rendered report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Characters of the order's text that the embedded font cannot show (drawn as a
    /// box); empty for anything in the CJK Unified Ideographs block, Latin and the usual
    /// punctuation.
    pub missing_glyphs: Vec<char>,
    /// Pages.
    pub pages: usize,
}

/// The blobs a report of `order` shows: its photos, then its signature strokes.
pub fn blobs_wanted(order: &OrderDoc) -> Vec<String> {
    let mut out: Vec<String> = order.photos.iter().map(|p| p.hash.clone()).collect();
    if let Some(s) = &order.sign_off {
        out.push(s.signature_blob.clone());
    }
    out
}

/// A name for the PDF file: the order number and the report's title.
pub fn file_name(order: &OrderDoc, lang: Lang) -> String {
    let clean: String = order
        .number
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match lang {
        Lang::ZhCn => format!("{clean}-服务报告.pdf"),
        Lang::En => format!("{clean}-service-report.pdf"),
    }
}

/// Renders the report of `input.order`.
pub fn render(input: &ReportInput<'_>) -> Result<Report, ReportError> {
    let metrics = font::Metrics::new().ok_or(ReportError::Font)?;
    let font = font::krilla_font().ok_or(ReportError::Font)?;
    let mut images: Vec<Option<Image>> = Vec::new();
    let mut l = Layout::new(metrics);
    let r = Writer {
        input,
        lang: input.lang,
        offset: FixedOffset::east_opt(input.utc_offset_minutes * 60).unwrap_or_else(|| Utc.fix()),
    };
    r.header(&mut l, &mut images);
    r.customer(&mut l);
    r.fault(&mut l);
    r.work(&mut l);
    r.parts(&mut l);
    r.fee(&mut l);
    r.tests(&mut l);
    r.photos(&mut l, &mut images);
    r.sign_off(&mut l);
    r.footers(&mut l);
    let signature = input
        .order
        .sign_off
        .as_ref()
        .and_then(|s| input.blobs.get(&s.signature_blob))
        .and_then(|b| strokes::parse(b));
    let title = format!("{} {}", word(input.lang, W::Title), input.order.number);
    let pdf = draw::pdf(
        &l.pages,
        &draw::Assets {
            font,
            images: &images,
            signature: signature.as_ref(),
            title,
            lang: input.lang.tag(),
        },
    )?;
    Ok(Report {
        pdf,
        missing_glyphs: l.missing,
        pages: l.pages.len(),
    })
}

/// An image from bytes, by their magic number: JPEG or PNG.
fn image(bytes: &[u8]) -> Option<Image> {
    let data = krilla::Data::from(bytes.to_vec());
    if bytes.starts_with(&[0xFF, 0xD8]) {
        Image::from_jpeg(data, true).ok()
    } else if bytes.starts_with(b"\x89PNG") {
        Image::from_png(data, true).ok()
    } else {
        None
    }
}

struct Writer<'a> {
    input: &'a ReportInput<'a>,
    lang: Lang,
    offset: FixedOffset,
}

impl Writer<'_> {
    fn w(&self, w: W) -> &'static str {
        word(self.lang, w)
    }

    fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn who(&self, user: UserId) -> String {
        self.input
            .people
            .get(&user.to_string())
            .cloned()
            .unwrap_or_else(|| "—".to_string())
    }

    fn or_dash(text: &str) -> String {
        if text.trim().is_empty() {
            "—".to_string()
        } else {
            text.to_string()
        }
    }

    fn header(&self, l: &mut Layout, images: &mut Vec<Option<Image>>) {
        let company = &self.input.settings.company;
        let top = MARGIN;
        let mut x = MARGIN;
        let logo = company
            .logo
            .split_once(";base64,")
            .and_then(|(_, b)| B64.decode(b.trim()).ok())
            .and_then(|b| image(&b));
        if let Some(img) = logo {
            let (pw, ph) = img.size();
            let h = 44.0f32;
            let w = (pw as f32 / ph.max(1) as f32 * h).min(120.0);
            let h = w * ph as f32 / pw.max(1) as f32;
            images.push(Some(img));
            l.push(Item::Image {
                x,
                y: top,
                w,
                h,
                image: images.len() - 1,
            });
            x += w + 10.0;
        }
        let name = Self::or_dash(&company.name);
        l.text(x, top + 17.0, 15.0, INK, &name);
        let contact: Vec<&str> = [company.address.as_str(), company.phone.as_str()]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect();
        l.text(x, top + 32.0, 8.5, MUTED, &contact.join("  ·  "));
        let right = PAGE_W - MARGIN;
        l.text_right(right, top + 18.0, 19.0, ACCENT, self.w(W::Title));
        let number = format!("{} {}", self.w(W::OrderNumber), self.input.order.number);
        l.text_right(right, top + 33.0, 9.5, INK, &number);
        let colon = match self.lang {
            Lang::ZhCn => "：",
            Lang::En => ": ",
        };
        let state = format!(
            "{}{colon}{}",
            self.w(W::State),
            words::state(self.lang, self.input.order.state)
        );
        l.text_right(right, top + 45.0, 8.5, MUTED, &state);
        l.y = top + 54.0;
        l.push(Item::Rect {
            x: MARGIN,
            y: l.y,
            w: Layout::width(),
            h: 1.5,
            color: ACCENT,
        });
        l.y += 4.0;
    }

    fn customer(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(&format!("{} / {}", self.w(W::Customer), self.w(W::Product)));
        l.field(self.w(W::Name), &o.customer.name);
        l.field(self.w(W::Phone), &Self::or_dash(&o.customer.phone));
        l.field(self.w(W::Address), &Self::or_dash(&o.customer.address));
        l.field(self.w(W::Model), &Self::or_dash(&o.product.model));
        l.field(self.w(W::Serial), &Self::or_dash(&o.product.serial));
        let purchase = o
            .product
            .purchase_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "—".into());
        l.field(self.w(W::PurchaseDate), &purchase);
        l.field(self.w(W::ServiceMode), words::mode(self.lang, o.mode));
        l.field(self.w(W::Received), &self.time(o.request.received_at));
    }

    fn fault(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::Fault));
        l.field(self.w(W::Reported), &Self::or_dash(&o.request.description));
        if let Some(f) = &o.fault_confirmed {
            l.field(self.w(W::Confirmed), &Self::or_dash(&f.note));
        }
        match &o.diagnosis {
            Some(d) => {
                l.field(self.w(W::Cause), &Self::or_dash(&d.cause));
                l.field(self.w(W::Plan), &Self::or_dash(&d.plan));
                if !d.risks.trim().is_empty() {
                    l.field(self.w(W::Risks), &d.risks);
                }
            }
            None => l.field(self.w(W::Cause), "—"),
        }
    }

    fn work(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::Work));
        for v in &o.visits {
            let out = v
                .checked_out_at
                .map(|t| self.time(t))
                .unwrap_or_else(|| "…".into());
            let text = format!(
                "{} – {}  ({})",
                self.time(v.checked_in_at),
                out,
                self.who(v.by)
            );
            l.field(self.w(W::Visits), &text);
        }
        if o.steps.is_empty() {
            l.field(self.w(W::Description), self.w(W::NoWork));
            return;
        }
        let mut steps: Vec<_> = o.steps.iter().collect();
        steps.sort_by_key(|s| (s.at, s.id));
        let rows: Vec<Vec<String>> = steps
            .iter()
            .map(|s| {
                vec![
                    self.time(s.at),
                    self.who(s.by),
                    s.description.clone(),
                    s.minutes.to_string(),
                ]
            })
            .collect();
        l.table(
            &[2.2, 1.6, 5.0, 1.2],
            &[
                self.w(W::Time),
                self.w(W::By),
                self.w(W::Description),
                self.w(W::Minutes),
            ],
            &rows,
        );
        let total: u32 = o.steps.iter().map(|s| s.minutes).sum();
        l.y += 4.0;
        let total = match self.lang {
            Lang::ZhCn => format!("{total} 分钟"),
            Lang::En => format!("{total} min"),
        };
        l.field(self.w(W::WorkTime), &total);
    }

    fn parts(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::Parts));
        if o.parts.is_empty() {
            l.field(self.w(W::PartNumber), self.w(W::NoParts));
            return;
        }
        let mut parts: Vec<_> = o.parts.iter().collect();
        parts.sort_by_key(|p| (p.at, p.id));
        let rows: Vec<Vec<String>> = parts
            .iter()
            .map(|p| {
                vec![
                    p.part_number.clone(),
                    p.quantity.to_string(),
                    Self::or_dash(&p.serials_new.join(", ")),
                    Self::or_dash(&p.serials_old.join(", ")),
                ]
            })
            .collect();
        l.table(
            &[2.4, 0.8, 3.4, 3.4],
            &[
                self.w(W::PartNumber),
                self.w(W::Quantity),
                self.w(W::SerialsNew),
                self.w(W::SerialsOld),
            ],
            &rows,
        );
    }

    fn fee(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::Fee));
        l.field(self.w(W::FeeCharged), &o.fee.to_string());
        l.field(self.w(W::ChargeBasis), words::charge(self.lang, o.charge));
        if let Some(d) = &o.diagnosis {
            l.field(self.w(W::Estimate), &d.estimated_fee.to_string());
        }
        if let Some(c) = &o.consent {
            let fee = c
                .fee_agreed
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_else(|| words::charge(self.lang, o.charge).to_string());
            l.field(
                self.w(W::Consent),
                &format!("{} · {} · {}", c.customer_name, self.time(c.at), fee),
            );
        }
        for f in &o.fee_overrides {
            l.field(
                self.w(W::FeeChanged),
                &format!("{} → {} · {} ({})", f.from, f.to, f.reason, self.who(f.by)),
            );
        }
        let days = self.input.settings.repair_warranty_days;
        // The repair warranty runs from the repair's completion: the customer's
        // signature, or the close when there was none.
        let done = o.sign_off.as_ref().map(|s| s.at).or(o.closed_at);
        let text = match (done, self.lang) {
            (Some(at), Lang::ZhCn) => format!(
                "自完工起 {days} 天，至 {}（同一故障在期内复修免费）",
                (at + Duration::days(i64::from(days)))
                    .with_timezone(&self.offset)
                    .format("%Y-%m-%d")
            ),
            (Some(at), Lang::En) => format!(
                "{days} days from completion, until {} (the same fault is re-repaired free)",
                (at + Duration::days(i64::from(days)))
                    .with_timezone(&self.offset)
                    .format("%Y-%m-%d")
            ),
            (None, Lang::ZhCn) => format!("自完工起 {days} 天（同一故障在期内复修免费）"),
            (None, Lang::En) => {
                format!("{days} days from completion (the same fault is re-repaired free)")
            }
        };
        l.field(self.w(W::RepairWarranty), &text);
    }

    fn tests(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::Tests));
        if o.tests.is_empty() {
            l.field(self.w(W::Result), self.w(W::NoTests));
        } else {
            let mut tests: Vec<_> = o.tests.iter().collect();
            tests.sort_by_key(|t| (t.at, t.id));
            let rows: Vec<Vec<String>> = tests
                .iter()
                .map(|t| {
                    vec![
                        self.time(t.at),
                        self.w(if t.passed { W::Passed } else { W::Failed })
                            .to_string(),
                        t.notes.clone(),
                        self.w(if t.care_advice_given { W::Yes } else { W::No })
                            .to_string(),
                    ]
                })
                .collect();
            l.table(
                &[2.2, 1.2, 5.2, 1.4],
                &[
                    self.w(W::Time),
                    self.w(W::Result),
                    self.w(W::Notes),
                    self.w(W::CareAdvice),
                ],
                &rows,
            );
        }
        if !o.objections.is_empty() {
            l.y += 4.0;
            let mut objections: Vec<_> = o.objections.iter().collect();
            objections.sort_by_key(|x| (x.at, x.id));
            for x in objections {
                let text = format!("{} · {} · {}", self.time(x.at), x.signer, x.text);
                l.field(self.w(W::Objections), &text);
            }
        }
    }

    fn photos(&self, l: &mut Layout, images: &mut Vec<Option<Image>>) {
        let o = self.input.order;
        l.heading(self.w(W::Photos));
        if o.photos.is_empty() {
            l.field("", self.w(W::NoPhotos));
            return;
        }
        let mut photos: Vec<_> = o.photos.iter().collect();
        photos.sort_by(|a, b| (a.at, &a.hash).cmp(&(b.at, &b.hash)));
        let per_row = 3usize;
        let gap = 10.0f32;
        let cell = (Layout::width() - gap * (per_row as f32 - 1.0)) / per_row as f32;
        let img_h = cell * 0.75;
        let caption = 8.0f32;
        for row in photos.chunks(per_row) {
            let captions: Vec<Vec<String>> = row
                .iter()
                .map(|p| l.metrics.wrap(&p.caption, caption, cell))
                .collect();
            let lines = captions.iter().map(Vec::len).max().unwrap_or(0);
            let h = img_h + 4.0 + lines as f32 * Layout::line(caption) + gap;
            l.ensure(h);
            let top = l.y;
            for (i, (p, cap)) in row.iter().zip(&captions).enumerate() {
                let x = MARGIN + i as f32 * (cell + gap);
                let img = self.input.blobs.get(&p.hash).and_then(|b| image(b));
                match img {
                    Some(img) => {
                        // Fit the photo into the cell, keeping its proportions.
                        let (pw, ph) = img.size();
                        let scale = (cell / pw.max(1) as f32).min(img_h / ph.max(1) as f32);
                        let (w, h) = (pw as f32 * scale, ph as f32 * scale);
                        images.push(Some(img));
                        l.push(Item::Image {
                            x: x + (cell - w) / 2.0,
                            y: top + (img_h - h) / 2.0,
                            w,
                            h,
                            image: images.len() - 1,
                        });
                    }
                    None => {
                        l.push(Item::Rect {
                            x,
                            y: top,
                            w: cell,
                            h: img_h,
                            color: SHADE,
                        });
                        l.text(
                            x + 6.0,
                            top + img_h / 2.0,
                            8.0,
                            MUTED,
                            self.w(W::PhotoMissing),
                        );
                    }
                }
                for (j, line) in cap.iter().enumerate() {
                    let baseline = top + img_h + 4.0 + caption + j as f32 * Layout::line(caption);
                    l.text(x, baseline, caption, MUTED, line);
                }
            }
            l.y = top + h;
        }
    }

    fn sign_off(&self, l: &mut Layout) {
        let o = self.input.order;
        l.heading(self.w(W::SignOff));
        let status = signoff::status(o);
        let Some(s) = &o.sign_off else {
            l.paragraph(MARGIN, Layout::width(), BODY, MUTED, self.w(W::Unsigned));
            return;
        };
        let box_w = 210.0f32;
        let box_h = 84.0f32;
        l.ensure(box_h + 80.0);
        let top = l.y;
        l.push(Item::Frame {
            x: MARGIN,
            y: top,
            w: box_w,
            h: box_h,
            color: MUTED,
        });
        let drawn = self
            .input
            .blobs
            .get(&s.signature_blob)
            .and_then(|b| strokes::parse(b))
            .is_some();
        if drawn {
            l.push(Item::Signature {
                x: MARGIN + 8.0,
                y: top + 6.0,
                w: box_w - 16.0,
                h: box_h - 12.0,
            });
        } else {
            l.text(
                MARGIN + 8.0,
                top + box_h / 2.0,
                8.0,
                MUTED,
                self.w(W::SignatureMissing),
            );
        }
        let x = MARGIN + box_w + 16.0;
        let label_w = 70.0;
        let rating = s
            .rating
            .map(|r| format!("{r} / 5"))
            .unwrap_or_else(|| "—".into());
        for (i, (label, value)) in [
            (self.w(W::Signer), s.signer.clone()),
            (self.w(W::SignedAt), self.time(s.at)),
            (self.w(W::Rating), rating),
        ]
        .into_iter()
        .enumerate()
        {
            let baseline = top + 14.0 + i as f32 * Layout::line(BODY + 1.0);
            l.text(x, baseline, BODY, MUTED, label);
            l.text(x + label_w, baseline, BODY + 1.0, INK, &value);
        }
        l.y = top + box_h + 10.0;
        l.field(self.w(W::Digest), &s.digest);
        l.y += 4.0;
        let (color, text) = match status {
            SignOffStatus::Valid => (GOOD, self.w(W::Valid)),
            SignOffStatus::Void => (BAD, self.w(W::Void)),
            SignOffStatus::Unsigned => (MUTED, self.w(W::Unsigned)),
        };
        let lines = l.metrics.wrap(text, BODY + 0.5, Layout::width() - 20.0);
        let h = lines.len() as f32 * Layout::line(BODY + 0.5) + 12.0;
        l.ensure(h);
        let top = l.y;
        l.push(Item::Rect {
            x: MARGIN,
            y: top,
            w: 4.0,
            h,
            color,
        });
        l.push(Item::Frame {
            x: MARGIN,
            y: top,
            w: Layout::width(),
            h,
            color,
        });
        for (i, line) in lines.iter().enumerate() {
            let baseline = top + 6.0 + BODY + 0.5 + i as f32 * Layout::line(BODY + 0.5);
            l.text(MARGIN + 12.0, baseline, BODY + 0.5, color, line);
        }
        l.y = top + h;
    }

    fn footers(&self, l: &mut Layout) {
        let n = l.pages.len();
        let company = Self::or_dash(&self.input.settings.company.name);
        let left = format!("{company} · {}", self.input.order.number);
        for i in 0..n {
            let page = match self.lang {
                Lang::ZhCn => format!("第 {} 页 / 共 {n} 页", i + 1),
                Lang::En => format!("{} {} / {n}", self.w(W::Page), i + 1),
            };
            let y = PAGE_H - MARGIN + 6.0;
            let rule = Item::Rule {
                x: MARGIN,
                y: y - 12.0,
                w: Layout::width(),
                color: SHADE,
            };
            let page_w = l.metrics.width(&page, 8.0);
            l.pages[i].push(rule);
            l.pages[i].push(Item::Text {
                x: MARGIN,
                y,
                size: 8.0,
                color: MUTED,
                text: left.clone(),
            });
            l.pages[i].push(Item::Text {
                x: PAGE_W - MARGIN - page_w,
                y,
                size: 8.0,
                color: MUTED,
                text: page,
            });
        }
    }
}
