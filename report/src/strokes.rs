//! The customer's signature as the report draws it: the stroke blob an order's sign-off
//! references (canonical JSON `{"width", "height", "strokes": [[{"x", "y", …}]]}`, as
//! the device stores it and the server keeps it), drawn as vector lines so it is sharp at
//! any zoom and needs no image code on the server.

use serde::Deserialize;

/// The most points drawn, the same bound the device accepts.
const MAX_POINTS: usize = 50_000;

#[derive(Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Deserialize)]
struct Raw {
    width: u32,
    height: u32,
    strokes: Vec<Vec<Point>>,
}

/// A signature ready to draw: the canvas size and each stroke's points.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Canvas width, CSS pixels.
    pub width: f32,
    /// Canvas height, CSS pixels.
    pub height: f32,
    /// Each stroke's points in canvas pixels.
    pub strokes: Vec<Vec<(f32, f32)>>,
}

/// Reads a stroke blob; `None` when it is not one (the report then says the signature
/// image is missing rather than failing the whole report).
pub fn parse(json: &[u8]) -> Option<Signature> {
    let raw: Raw = serde_json::from_slice(json).ok()?;
    let points: usize = raw.strokes.iter().map(Vec::len).sum();
    if raw.width == 0 || raw.height == 0 || points == 0 || points > MAX_POINTS {
        return None;
    }
    let strokes = raw
        .strokes
        .iter()
        .map(|s| {
            s.iter()
                .filter(|p| p.x.is_finite() && p.y.is_finite())
                .map(|p| (p.x as f32, p.y as f32))
                .collect()
        })
        .collect();
    Some(Signature {
        width: raw.width as f32,
        height: raw.height as f32,
        strokes,
    })
}
