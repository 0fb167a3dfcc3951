//! Phone-photograph-like images of a QR code, made deterministically from a seed: the printed
//! symbol on a sheet of paper with lines of "text" beside it, then turned (rotation,
//! perspective), lit unevenly, defocused (blur), taken at a low resolution (downscaling), with
//! sensor noise, and saved as PNG or as a lossy JPEG.
//!
//! Shared by the render test suite (a small set the reader must read) and by the measurement
//! tool `examples/qr_photo_rates.rs` (civitas' reader against zbar), which includes this file
//! with `#[path]`.

#![allow(dead_code)]

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageFormat, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp};

/// Least pixels per module of the sharp "print" that every shot starts from (at least the
/// photograph's own, so the camera never sees more detail than the print has).
const PRINT_SCALE: u32 = 5;
/// Paper and ink, as a camera sees them (never pure white or black).
const PAPER: u8 = 228;
const INK: u8 = 35;

/// How one photograph is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shot {
    /// Rotation in the image plane, degrees.
    pub rotate_deg: f32,
    /// Perspective: how far the far edge shrinks, as a fraction of the page (0 = face on).
    pub perspective: f32,
    /// Defocus: Gaussian sigma in pixels of the final image.
    pub blur: f32,
    /// Pixels per QR module in the final image (the camera's resolution on the symbol).
    pub px_per_module: f32,
    /// Uneven light: the darkest corner gets `1 - light` of the brightest one's light.
    pub light: f32,
    /// Sensor noise: Gaussian sigma in grey levels.
    pub noise: f32,
    /// JPEG quality (`None`: PNG).
    pub jpeg: Option<u8>,
    /// Seed of the noise and of the page's clutter.
    pub seed: u64,
}

impl Default for Shot {
    fn default() -> Self {
        Self {
            rotate_deg: 0.0,
            perspective: 0.0,
            blur: 0.0,
            px_per_module: 4.0,
            light: 0.0,
            noise: 0.0,
            jpeg: None,
            seed: 1,
        }
    }
}

/// A small deterministic generator (SplitMix64) so the images do not depend on a crate's
/// random-number algorithm.
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u = self.unit().max(1e-7);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// The page: the symbol (`symbol` has one pixel per module, quiet zone included) printed at
/// `scale` pixels per module, on paper with a margin of a quarter of its size, text-like marks
/// above it and a column of them beside it.
fn page(symbol: &GrayImage, scale: u32, rng: &mut Rng) -> GrayImage {
    let qr_side = symbol.width() * scale;
    let margin = qr_side / 4;
    let side = qr_side + 2 * margin;
    let mut page = GrayImage::from_pixel(side + 2 * margin, side, Luma([PAPER]));
    for (x, y, p) in symbol.enumerate_pixels() {
        if p[0] < 128 {
            for dy in 0..scale {
                for dx in 0..scale {
                    page.put_pixel(
                        margin + x * scale + dx,
                        margin + y * scale + dy,
                        Luma([INK]),
                    );
                }
            }
        }
    }
    // Text lines to the right of the symbol and above it: words of small dark blocks.
    let glyph = scale * 2;
    let mut draw_line = |x0: u32, x1: u32, y: u32, rng: &mut Rng| {
        let mut x = x0;
        while x + glyph < x1 {
            let word = 2 + (rng.next_u64() % 7) as u32;
            for _ in 0..word {
                if x + glyph >= x1 {
                    break;
                }
                let w = glyph * 2 / 3;
                for yy in y..y + glyph {
                    for xx in x..x + w {
                        page.put_pixel(xx, yy, Luma([INK + 20]));
                    }
                }
                x += glyph;
            }
            x += glyph;
        }
    };
    let mut y = margin;
    while y + glyph < side - margin / 2 {
        draw_line(
            margin + qr_side + glyph * 2,
            side + 2 * margin - glyph,
            y,
            rng,
        );
        y += glyph * 2;
    }
    let mut y = glyph;
    while y + glyph * 2 < margin {
        draw_line(glyph, side + 2 * margin - glyph, y, rng);
        y += glyph * 2;
    }
    page
}

/// Takes the photograph of `symbol` (one pixel per module, quiet zone included) described by
/// `shot`, encoded as PNG or JPEG.
pub fn photograph(symbol: &GrayImage, shot: &Shot) -> Vec<u8> {
    let image = photograph_luma(symbol, shot);
    let mut out = Cursor::new(Vec::new());
    match shot.jpeg {
        Some(quality) => JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&image)
            .expect("JPEG encoding of an in-memory image"),
        None => image
            .write_to(&mut out, ImageFormat::Png)
            .expect("PNG encoding of an in-memory image"),
    }
    out.into_inner()
}

/// [`photograph`] before encoding.
pub fn photograph_luma(symbol: &GrayImage, shot: &Shot) -> GrayImage {
    let mut rng = Rng::new(shot.seed);
    let scale = PRINT_SCALE.max(shot.px_per_module.ceil() as u32);
    let page = page(symbol, scale, &mut rng);
    let (w, h) = (page.width() as f32, page.height() as f32);
    // Rotation about the centre, then the perspective: the top edge is narrower than the bottom.
    let (cx, cy) = (w / 2.0, h / 2.0);
    let turn = Projection::translate(cx, cy)
        * Projection::rotate(shot.rotate_deg.to_radians())
        * Projection::translate(-cx, -cy);
    let k = shot.perspective * w / 2.0;
    let tilt = Projection::from_control_points(
        [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)],
        [(k, k * 0.3), (w - k, k * 0.3), (w, h), (0.0, h)],
    )
    .unwrap_or(Projection::scale(1.0, 1.0));
    let sharp = warp(
        &page,
        tilt * turn,
        Interpolation::Bilinear,
        Border::Constant(Luma([PAPER - 30])),
    );
    // Defocus and the optical low-pass of the smaller sensor, at print resolution, then the
    // sensor's resolution.
    let ratio = scale as f32 / shot.px_per_module;
    let sigma = (shot.blur * ratio).hypot(0.5 * ratio.max(1.0));
    let soft = if sigma > 0.3 {
        imageproc::filter::gaussian_blur_f32(&sharp, sigma)
    } else {
        sharp
    };
    let (out_w, out_h) = (
        ((w / ratio).round() as u32).max(8),
        ((h / ratio).round() as u32).max(8),
    );
    let small = image::imageops::resize(&soft, out_w, out_h, image::imageops::FilterType::Triangle);
    // Light falls off from the top-left corner to the bottom-right one; then sensor noise.
    let diagonal = (out_w as f32).hypot(out_h as f32);
    GrayImage::from_fn(out_w, out_h, |x, y| {
        let t = (x as f32).hypot(y as f32) / diagonal;
        let gain = 1.0 - shot.light * t;
        let v = small.get_pixel(x, y)[0] as f32 * gain + shot.noise * rng.normal();
        Luma([v.clamp(0.0, 255.0) as u8])
    })
}

/// A named family of shots, each degrading one thing over a range (the others mild), and the
/// combined "phone" family.
pub struct Family {
    /// Its name.
    pub name: &'static str,
    /// What varies.
    pub varies: &'static str,
    /// The shot for step `i` of `n`.
    pub shot: fn(i: usize, n: usize) -> Shot,
}

fn t(i: usize, n: usize) -> f32 {
    if n <= 1 {
        0.0
    } else {
        i as f32 / (n - 1) as f32
    }
}

/// The families measured.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "rotation",
        varies: "0-15 degrees, 4 px/module, blur 0.6",
        shot: |i, n| Shot {
            rotate_deg: 15.0 * t(i, n),
            blur: 0.6,
            px_per_module: 4.0,
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "blur",
        varies: "sigma 0.5-2.5 px at 5 px/module, 3 degrees",
        shot: |i, n| Shot {
            rotate_deg: 3.0,
            blur: 0.5 + 2.0 * t(i, n),
            px_per_module: 5.0,
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "downscale",
        varies: "4.0-1.5 px/module, 2 degrees",
        shot: |i, n| Shot {
            rotate_deg: 2.0,
            px_per_module: 4.0 - 2.5 * t(i, n),
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "jpeg",
        varies: "quality 30-90 at 3 px/module, 4 degrees",
        shot: |i, n| Shot {
            rotate_deg: 4.0,
            px_per_module: 3.0,
            jpeg: Some((30.0 + 60.0 * t(i, n)).round() as u8),
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "perspective",
        varies: "far edge 0-30 % narrower, 4 px/module",
        shot: |i, n| Shot {
            perspective: 0.30 * t(i, n),
            rotate_deg: 2.0,
            px_per_module: 4.0,
            blur: 0.5,
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "light",
        varies: "darkest corner 30-85 % darker, 4 px/module, 3 degrees",
        shot: |i, n| Shot {
            light: 0.30 + 0.55 * t(i, n),
            rotate_deg: 3.0,
            px_per_module: 4.0,
            blur: 0.6,
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "noise",
        varies: "sigma 5-45 grey levels, 4 px/module, 2 degrees",
        shot: |i, n| Shot {
            noise: 5.0 + 40.0 * t(i, n),
            rotate_deg: 2.0,
            px_per_module: 4.0,
            blur: 0.5,
            seed: i as u64,
            ..Shot::default()
        },
    },
    Family {
        name: "phone",
        varies: "2-10 degrees, blur 0.6-1.6, 2.2-3.6 px/module, JPEG 60-85, light, noise, tilt",
        shot: |i, n| {
            let mut rng = Rng::new(1000 + i as u64);
            let _ = n;
            Shot {
                rotate_deg: 2.0 + 8.0 * rng.unit(),
                perspective: 0.08 * rng.unit(),
                blur: 0.6 + rng.unit(),
                px_per_module: 2.2 + 1.4 * rng.unit(),
                light: 0.4 * rng.unit(),
                noise: 2.0 + 4.0 * rng.unit(),
                jpeg: Some(60 + (rng.next_u64() % 26) as u8),
                seed: 1000 + i as u64,
            }
        },
    },
];
