//! The signing and verifying figures: the raw Ed25519 floor, civitas with Data Integrity
//! (`eddsa-rdfc-2022`) and `vc+jwt`, ssi 0.16 used directly, and the same civitas calls with
//! the canonicalization fast path switched off (what civitas did before it).

use std::hint::black_box;

use civitas_core::secure::Securing;
use civitas_jsonld::canon;
use civitas_keys::keys::PublicKey;

use crate::fixture::Fixture;
use crate::measure::{Clock, Figure, Floor, Op, floor_medians, measure};
use crate::report::fmt_us;
use crate::ssi_direct::Ssi;

/// The raw Ed25519 floor's material: the 64 bytes eddsa-rdfc-2022 signs, their signature and
/// the public key that checks it.
pub(crate) struct RawEd25519 {
    public: PublicKey,
    message: [u8; 64],
    signature: Vec<u8>,
}

impl RawEd25519 {
    /// Signs the message with the fixture's key.
    pub(crate) fn new(f: &Fixture) -> Self {
        let public = f.key.public_key();
        let message = [0x5a_u8; 64];
        let signature = f.key.sign(&message);
        Self {
            public,
            message,
            signature,
        }
    }

    /// The raw Ed25519 floor: a signature over the 64 bytes eddsa-rdfc-2022 signs, and its
    /// check.
    pub(crate) fn ops<'a>(&'a self, f: &'a Fixture) -> Vec<(String, Floor, Op<'a>)> {
        let (public, message, signature) = (&self.public, &self.message, &self.signature);
        vec![
            (
                "raw Ed25519 sign (64-byte message)".into(),
                Floor::Sign,
                Box::new(move || {
                    black_box(f.key.sign(black_box(message)));
                }),
            ),
            (
                "raw Ed25519 verify".into(),
                Floor::Verify,
                Box::new(move || {
                    let _ = black_box(public.verify(black_box(message), signature));
                }),
            ),
        ]
    }
}

/// The figures of the target, side by side (interleaved rounds): the floor, civitas sign and
/// verify (Data Integrity, vc+jwt) and ssi directly.
pub(crate) fn target_figures(
    f: &Fixture,
    ssi: &Ssi,
    raw: &RawEd25519,
    rounds: usize,
    clock: Clock,
) -> Vec<Figure> {
    let mut ops = raw.ops(f);
    let fr = f;
    let ssi_ref = ssi;
    ops.push((
        "civitas verify, Data Integrity (eddsa-rdfc-2022)".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.verify(&fr.di));
        }),
    ));
    ops.push((
        "civitas sign, Data Integrity (eddsa-rdfc-2022)".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.sign(Securing::DataIntegrity));
        }),
    ));
    ops.push((
        "civitas verify, vc+jwt".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.verify(&fr.jwt));
        }),
    ));
    ops.push((
        "civitas sign, vc+jwt".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.sign(Securing::VcJwt));
        }),
    ));
    ops.push((
        "civitas verify, SD-JWT VC: 3 claims + key binding (2 signatures)".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.verify_sd_jwt());
        }),
    ));
    ops.push((
        "civitas issue, SD-JWT VC (withholdable fields as disclosures)".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.issue_sd_jwt());
        }),
    ));
    ops.push((
        "ssi 0.16 directly: parse + verify (DI)".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.rt.block_on(ssi_ref.verify(&fr.di)));
        }),
    ));
    ops.push((
        "ssi 0.16 directly: sign_with (DI)".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.rt.block_on(ssi_ref.sign(&fr.unsigned)).ok());
        }),
    ));
    measure(&mut ops, rounds, clock)
}

/// Before: the same civitas calls with the fast path off (every canonicalization by ssi),
/// measured beside their own floor and scaled to this run's floor medians (`raw_sign`,
/// `raw_verify`) so that the ratio column reads against the same floor.
pub(crate) fn fast_path_off_figures(
    f: &Fixture,
    raw: &RawEd25519,
    rounds: usize,
    clock: Clock,
    (s, v): (f64, f64),
) -> Vec<Figure> {
    let fr = f;
    canon::set_fast_path(false);
    let mut before: Vec<(String, Floor, Op<'_>)> = vec![
        (
            "civitas verify, DI, fast path off (before)".into(),
            Floor::Verify,
            Box::new(move || {
                black_box(fr.verify(&fr.di));
            }),
        ),
        (
            "civitas sign, DI, fast path off (before)".into(),
            Floor::SignVerify,
            Box::new(move || {
                black_box(fr.sign(Securing::DataIntegrity));
            }),
        ),
        (
            "civitas verify, vc+jwt, fast path off (before)".into(),
            Floor::Verify,
            Box::new(move || {
                black_box(fr.verify(&fr.jwt));
            }),
        ),
    ];
    let mut floor_again = raw.ops(f);
    before.append(&mut floor_again);
    let before_figs = measure(&mut before, rounds.div_ceil(3).max(5), clock);
    drop(before);
    canon::set_fast_path(true);
    // Express the "before" rows against the floor measured alongside them.
    let (bs, bv) = floor_medians(&before_figs);
    let mut figures = Vec::new();
    for mut fig in before_figs
        .into_iter()
        .filter(|x| !x.name.starts_with("raw"))
    {
        // Scale to this run's floor so the ratio column reads against the same floor.
        let scale = match fig.floor {
            Floor::Verify => v / bv,
            Floor::SignVerify => (s + v) / (bs + bv),
            _ => 1.0,
        };
        fig.note = format!("measured {} beside its own floor", fmt_us(fig.median_us));
        fig.median_us *= scale;
        figures.push(fig);
    }
    figures
}
