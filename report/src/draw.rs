//! Turns the laid-out pages into PDF bytes with krilla: text in the embedded font (krilla
//! subsets it to the glyphs used and writes a ToUnicode map, so the text can be searched
//! and copied), JPEG and PNG images passed through, the signature as vector strokes.
//! Nothing here reads a clock or a random source, so the same pages give the same bytes.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use crate::layout::{Item, Rgb, PAGE_H, PAGE_W};
use crate::strokes::Signature;
use crate::ReportError;

/// What the drawing needs besides the pages.
pub struct Assets<'a> {
    /// The font.
    pub font: Font,
    /// Images by the index `Item::Image` names; `None` for one that could not be read.
    pub images: &'a [Option<Image>],
    /// The signature, if there is one to draw.
    pub signature: Option<&'a Signature>,
    /// The PDF's title.
    pub title: String,
    /// The language tag.
    pub lang: &'static str,
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn stroke(c: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

/// The PDF of `pages`.
pub fn pdf(pages: &[Vec<Item>], assets: &Assets<'_>) -> Result<Vec<u8>, ReportError> {
    let mut doc = Document::new();
    // No creation date and a document id from the title: the same order gives the same
    // bytes (krilla derives the file id from these, not from a clock).
    doc.set_metadata(
        Metadata::new()
            .title(assets.title.clone())
            .language(assets.lang.to_string())
            .document_id(assets.title.clone()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(ReportError::Pdf("page size".into()))?;
    for items in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for item in items {
            draw(&mut surface, item, assets);
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| ReportError::Pdf(format!("writing the PDF: {e:?}")))
}

fn draw(surface: &mut Surface<'_>, item: &Item, assets: &Assets<'_>) {
    match item {
        Item::Text {
            x,
            y,
            size,
            color,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*color)));
            surface.draw_text(
                Point::from_xy(*x, *y),
                assets.font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Item::Rect { x, y, w, h, color } => {
            if let Some(path) = rect(*x, *y, *w, *h) {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Item::Frame { x, y, w, h, color } => {
            if let Some(path) = rect(*x, *y, *w, *h) {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*color, 0.75)));
                surface.draw_path(&path);
            }
        }
        Item::Rule { x, y, w, color } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x, *y);
            pb.line_to(x + w, *y);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*color, 0.75)));
                surface.draw_path(&path);
            }
        }
        Item::Image { x, y, w, h, image } => {
            let Some(Some(img)) = assets.images.get(*image) else {
                return;
            };
            let Some(size) = Size::from_wh(*w, *h) else {
                return;
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(img.clone(), size);
            surface.pop();
        }
        Item::Signature { x, y, w, h } => {
            if let Some(sig) = assets.signature {
                signature(surface, sig, (*x, *y, *w, *h));
            }
        }
    }
}

/// The strokes scaled to fit the box, keeping their proportions, centred.
fn signature(surface: &mut Surface<'_>, sig: &Signature, (x, y, w, h): (f32, f32, f32, f32)) {
    let scale = (w / sig.width).min(h / sig.height);
    let dx = x + (w - sig.width * scale) / 2.0;
    let dy = y + (h - sig.height * scale) / 2.0;
    let mut pb = PathBuilder::new();
    for s in &sig.strokes {
        let Some(&(x0, y0)) = s.first() else { continue };
        pb.move_to(dx + x0 * scale, dy + y0 * scale);
        if s.len() == 1 {
            // A dot: a zero-length line with round caps draws as one.
            pb.line_to(dx + x0 * scale + 0.01, dy + y0 * scale);
        }
        for &(px, py) in &s[1..] {
            pb.line_to(dx + px * scale, dy + py * scale);
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(
            (0x10, 0x10, 0x30),
            (2.2 * scale).clamp(0.8, 2.0),
        )));
        surface.draw_path(&path);
    }
}
