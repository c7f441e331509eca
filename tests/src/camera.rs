//! A phone's camera in the tests (issue 11): Chromium shows a Y4M file as the camera
//! (`--use-file-for-fake-video-capture`), so what one browser drew can be put in front
//! of the other's camera: a screenshot of a QR code, centred on a white frame.

use anyhow::{Context, Result, ensure};
use std::path::Path;

/// The camera's frame size (4:3, as a phone's camera at its lowest setting).
const WIDTH: usize = 640;
const HEIGHT: usize = 480;

/// Writes `video` as one frame showing `png` (a screenshot) centred on white, or a blank
/// frame. Chromium reads the file again whenever a page opens the camera, and loops it.
pub fn show(video: &Path, png: Option<&[u8]>) -> Result<()> {
    let mut luma = vec![255u8; WIDTH * HEIGHT];
    if let Some(png) = png {
        let (grey, w, h) = grey_of_png(png)?;
        ensure!(
            w <= WIDTH && h <= HEIGHT,
            "a screenshot of {w}×{h} does not fit the camera's {WIDTH}×{HEIGHT}"
        );
        let (left, top) = ((WIDTH - w) / 2, (HEIGHT - h) / 2);
        for y in 0..h {
            luma[(top + y) * WIDTH + left..][..w].copy_from_slice(&grey[y * w..][..w]);
        }
    }
    // YUV 4:2:0: the grey image is the luma; chroma is neutral.
    let mut file =
        format!("YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    file.extend_from_slice(&luma);
    file.resize(file.len() + WIDTH * HEIGHT / 2, 128);
    std::fs::write(video, file).with_context(|| format!("cannot write {}", video.display()))
}

/// The grey levels of a PNG (8-bit RGB or RGBA, as Chromium's screenshots are).
fn grey_of_png(png: &[u8]) -> Result<(Vec<u8>, usize, usize)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size().context("PNG too large")?];
    let info = reader.next_frame(&mut pixels)?;
    let channels = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Grayscale => 1,
        png::ColorType::Indexed => anyhow::bail!("an indexed PNG after expansion"),
    };
    let grey = pixels[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => p[0],
            _ => {
                ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000)
                    as u8
            }
        })
        .collect();
    Ok((grey, info.width as usize, info.height as usize))
}
