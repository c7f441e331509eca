//! dicoso's QR codes (issue 11: the claim and the confirmation between two phones
//! without signal), drawn and read. A WebAssembly module of its own, built and staged
//! beside the app's by `cargo xtask dist`, precached by the service worker, and imported
//! by the app only when a code is shown or a scan is opened, so the app's first load
//! carries neither an encoder nor a decoder. `qrcode` draws (SVG), `rqrr` finds and
//! decodes codes in camera frames; both pure Rust, no image crates.

use wasm_bindgen::prelude::wasm_bindgen;

/// `text` as a QR code in SVG: error correction M (a phone's screen photographed by
/// another phone's camera), dark on white with the standard quiet zone. `None` if the
/// text does not fit in a QR code.
#[wasm_bindgen]
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(280, 280)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    )
}

/// The luma (brightness) of RGBA pixels, as a camera frame drawn on a canvas gives them
/// (ITU-R BT.601 weights, integer arithmetic).
pub fn luma_of_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
            ((299 * r + 587 * g + 114 * b) / 1000) as u8
        })
        .collect()
}

/// The text of the first QR code found in a `width`×`height` grey image, if any decodes.
pub fn decode_luma(luma: &[u8], width: usize, height: usize) -> Option<String> {
    if width == 0 || height == 0 || luma.len() < width * height {
        return None;
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// The text of the first QR code in an RGBA frame (`ImageData.data` of a canvas), if any.
#[wasm_bindgen]
pub fn decode_rgba(rgba: &[u8], width: u32, height: u32) -> Option<String> {
    let (width, height) = (width as usize, height as usize);
    if rgba.len() < width * height * 4 {
        return None;
    }
    decode_luma(&luma_of_rgba(rgba), width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as a QR code drawn `scale` pixels per module with a 4-module quiet zone,
    /// as RGBA.
    fn drawn(text: &str, scale: usize) -> (Vec<u8>, usize) {
        let code =
            qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).expect("a code");
        let modules = code.width();
        let colors = code.to_colors();
        let side = (modules + 8) * scale;
        let mut rgba = vec![255u8; side * side * 4];
        for (i, color) in colors.iter().enumerate() {
            if *color != qrcode::Color::Dark {
                continue;
            }
            let (mx, my) = (i % modules + 4, i / modules + 4);
            for y in my * scale..(my + 1) * scale {
                for x in mx * scale..(mx + 1) * scale {
                    let at = (y * side + x) * 4;
                    rgba[at..at + 3].fill(0);
                }
            }
        }
        (rgba, side)
    }

    /// Issue 11: a claim's QR text (base45 after `DCS1YC:`, a few hundred characters) is
    /// read back exactly, at the sizes a phone's screen gives a camera.
    #[test]
    fn reads_what_the_app_draws() {
        let text = format!("DCS1YC:{}", "ABC123 $%*+-./:".repeat(24));
        for scale in [3, 4, 6] {
            let (rgba, side) = drawn(&text, scale);
            let read = decode_rgba(&rgba, side as u32, side as u32);
            assert_eq!(read.as_deref(), Some(text.as_str()), "scale {scale}");
        }
    }

    /// What the app shows is an SVG of the same code.
    #[test]
    fn draws_svg() {
        let svg = qr_svg("DCS1XN:ABC").expect("drawn");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#000000"));
        assert_eq!(qr_svg(&"A".repeat(5000)), None, "too long for a QR code");
    }

    #[test]
    fn nothing_to_read() {
        let blank = vec![255u8; 64 * 64 * 4];
        assert_eq!(decode_rgba(&blank, 64, 64), None);
        assert_eq!(
            decode_rgba(&blank, 640, 480),
            None,
            "a frame larger than the data"
        );
    }
}
