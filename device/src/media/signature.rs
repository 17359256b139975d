//! Signatures: the customer's strokes as `signature_pad` records them (points with x, y,
//! time and optional pressure), kept as canonical JSON, and rendered here to a greyscale
//! PNG. Rendering uses only IEEE-exact arithmetic (+, −, ×, ÷, √) and a fixed encoder
//! setting, so the same strokes give the same PNG bytes on every platform.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// Largest canvas accepted, in pixels per side.
pub const MAX_SIDE: u32 = 4096;
/// Most points accepted in one signature.
pub const MAX_POINTS: usize = 50_000;

/// One sampled point of a stroke.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Canvas x, in CSS pixels.
    pub x: f64,
    /// Canvas y, in CSS pixels.
    pub y: f64,
    /// Milliseconds, as signature_pad records them.
    #[serde(default)]
    pub time: f64,
    /// Pen pressure 0..=1, when the device reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pressure: Option<f64>,
}

/// A stroke: signature_pad's `toData()` group (`{"points": [...], ...}`) or a bare list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum StrokeIn {
    Group { points: Vec<Point> },
    Points(Vec<Point>),
}

/// A signature as captured: the canvas size and the strokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strokes {
    /// Canvas width in CSS pixels.
    pub width: u32,
    /// Canvas height in CSS pixels.
    pub height: u32,
    /// Each stroke's points, in drawing order.
    pub strokes: Vec<Vec<Point>>,
}

#[derive(Deserialize)]
struct StrokesIn {
    width: u32,
    height: u32,
    strokes: Vec<StrokeIn>,
}

impl Strokes {
    /// Parses and checks stroke JSON: `{"width", "height", "strokes": [...]}`, where each
    /// stroke is a signature_pad group or a bare point list.
    pub fn from_json(json: &[u8]) -> Result<Self, StoreError> {
        let raw: StrokesIn = serde_json::from_slice(json)
            .map_err(|e| StoreError::Strokes(format!("not valid stroke JSON: {e}")))?;
        let strokes: Vec<Vec<Point>> = raw
            .strokes
            .into_iter()
            .map(|s| match s {
                StrokeIn::Group { points } | StrokeIn::Points(points) => points,
            })
            .collect();
        let s = Strokes {
            width: raw.width,
            height: raw.height,
            strokes,
        };
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.width == 0 || self.height == 0 || self.width > MAX_SIDE || self.height > MAX_SIDE {
            return Err(StoreError::Strokes(format!(
                "canvas {}×{} is outside 1..={MAX_SIDE} px",
                self.width, self.height
            )));
        }
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if points == 0 {
            return Err(StoreError::Strokes("an empty signature".into()));
        }
        if points > MAX_POINTS {
            return Err(StoreError::Strokes(format!(
                "{points} points is more than {MAX_POINTS}"
            )));
        }
        let finite = self.strokes.iter().flatten().all(|p| {
            p.x.is_finite()
                && p.y.is_finite()
                && p.time.is_finite()
                && p.pressure.is_none_or(f64::is_finite)
        });
        if !finite {
            return Err(StoreError::Strokes("a point is not a finite number".into()));
        }
        Ok(())
    }

    /// The canonical JSON stored as the signature's stroke blob.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs of numbers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Renders the strokes in black on white at the canvas size, as a PNG.
    pub fn render_png(&self) -> Result<Vec<u8>, StoreError> {
        self.check()?;
        let (w, h) = (self.width as usize, self.height as usize);
        // Coverage per pixel, 0..=1; strokes combine by maximum, so order does not matter.
        let mut cover = vec![0f64; w * h];
        for stroke in &self.strokes {
            if stroke.len() == 1 {
                segment(&mut cover, w, h, stroke[0], stroke[0]);
            }
            for pair in stroke.windows(2) {
                segment(&mut cover, w, h, pair[0], pair[1]);
            }
        }
        let pixels: Vec<u8> = cover
            .iter()
            .map(|c| 255 - (c * 255.0 + 0.5).floor().clamp(0.0, 255.0) as u8)
            .collect();
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::NoFilter)
            .write_image(&pixels, self.width, self.height, ExtendedColorType::L8)
            .map_err(|source| StoreError::Image {
                doing: "encoding a signature as PNG".into(),
                source: Box::new(source),
            })?;
        Ok(out)
    }
}

/// Pen radius in pixels: 1.75 at signature_pad's default pressure 0.5.
fn radius(p: Point) -> f64 {
    1.0 + 1.5 * p.pressure.unwrap_or(0.5).clamp(0.0, 1.0)
}

/// Draws one segment as a capsule with a half-pixel anti-aliased edge.
fn segment(cover: &mut [f64], w: usize, h: usize, a: Point, b: Point) {
    let r = (radius(a) + radius(b)) / 2.0;
    let reach = r + 1.0;
    let x0 = (a.x.min(b.x) - reach).floor().max(0.0);
    let x1 = (a.x.max(b.x) + reach).ceil().min(w as f64);
    let y0 = (a.y.min(b.y) - reach).floor().max(0.0);
    let y1 = (a.y.max(b.y) + reach).ceil().min(h as f64);
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    for py in y0 as usize..y1 as usize {
        for px in x0 as usize..x1 as usize {
            let (cx, cy) = (px as f64 + 0.5, py as f64 + 0.5);
            let t = if len2 > 0.0 {
                (((cx - a.x) * dx + (cy - a.y) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (a.x + t * dx - cx, a.y + t * dy - cy);
            let d = (qx * qx + qy * qy).sqrt();
            let c = (r + 0.5 - d).clamp(0.0, 1.0);
            let cell = &mut cover[py * w + px];
            if c > *cell {
                *cell = c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        // As signature_pad's toData() gives it, wrapped with the canvas size.
        br#"{"width": 300, "height": 120, "strokes": [
            {"penColor": "black", "dotSize": 0, "minWidth": 0.5, "maxWidth": 2.5,
             "velocityFilterWeight": 0.7, "compositeOperation": "source-over",
             "points": [{"x": 20, "y": 60, "time": 1700000000000, "pressure": 0.5},
                        {"x": 150, "y": 60, "time": 1700000000040, "pressure": 0.5},
                        {"x": 280, "y": 100, "time": 1700000000090, "pressure": 0.5}]},
            [{"x": 50, "y": 20, "time": 1700000000300}, {"x": 50, "y": 110, "time": 1700000000350}]
        ]}"#
        .to_vec()
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() -> anyhow::Result<()> {
        let strokes = Strokes::from_json(&sample())?;
        let a = strokes.render_png()?;
        let b = Strokes::from_json(&strokes.to_json())?.render_png()?;
        assert_eq!(a, b, "the same strokes must give the same PNG bytes");
        assert_eq!(&a[1..4], b"PNG");
        Ok(())
    }

    #[test]
    fn the_png_bytes_are_pinned() -> anyhow::Result<()> {
        // A change here means signatures rendered by this build differ from those of
        // earlier builds (or other platforms): only update with intent.
        let png = Strokes::from_json(&sample())?.render_png()?;
        assert_eq!(
            crate::store::blobs::hash(&png),
            "6e1266fb0bbe0704586d849b4fbfc2c0c8b27aee47432bbea645a6097f780559"
        );
        Ok(())
    }

    #[test]
    fn pixels_under_a_stroke_are_ink_and_elsewhere_paper() -> anyhow::Result<()> {
        let png = Strokes::from_json(&sample())?.render_png()?;
        let img = image::load_from_memory(&png)?.into_luma8();
        assert_eq!(img.dimensions(), (300, 120));
        assert_eq!(
            img.get_pixel(100, 60).0[0],
            0,
            "on the first stroke: full ink"
        );
        assert_eq!(
            img.get_pixel(50, 80).0[0],
            0,
            "on the second stroke: full ink"
        );
        assert_eq!(
            img.get_pixel(200, 20).0[0],
            255,
            "away from strokes: white paper"
        );
        assert_eq!(
            img.get_pixel(100, 66).0[0],
            255,
            "six pixels off the line: white"
        );
        Ok(())
    }

    #[test]
    fn hostile_stroke_data_is_refused() {
        for bad in [
            &b"not json"[..],
            br#"{"width": 0, "height": 10, "strokes": [[{"x":1,"y":1}]]}"#,
            br#"{"width": 100000, "height": 10, "strokes": [[{"x":1,"y":1}]]}"#,
            br#"{"width": 10, "height": 10, "strokes": []}"#,
        ] {
            assert!(
                Strokes::from_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
