//! Every bundled document type (`--types`): its sample, issued with the same status entries as
//! the birth certificate figures, signed and verified with Data Integrity beside the raw
//! Ed25519 floor of the same rounds, and the length of its CV1 QR text. A type that does not
//! canonicalize on the fast path, or does not verify, stops the run: that is a defect of its
//! profile.

use std::hint::black_box;

use anyhow::{Result, anyhow};
use civitas_core::credential::CredentialBuilder;
use civitas_core::model::DocumentType;
use civitas_core::report::Verdict;
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::canon;

use crate::fixture::{Fixture, birth_subject, status_entry};
use crate::measure::{Clock, Figure, Floor, Op, measure};
use crate::signatures::RawEd25519;

/// One type's signed forms.
struct Typed {
    kind: DocumentType,
    unsigned: serde_json::Value,
    di: String,
    cv1: usize,
}

fn prepare(f: &Fixture, kind: DocumentType) -> Result<Typed> {
    let unsigned = CredentialBuilder::new(f.signer.controller())
        .id("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
        .valid_from("2026-01-15T09:00:00Z".parse()?)
        .status(status_entry("revocation", 94_567))
        .status(status_entry("suspension", 20_417))
        .document(&kind, birth_subject(&kind))
        .build()?;
    canon::fast_canonicalize(unsigned.json(), &f.loader)
        .map_err(|e| anyhow!("{kind} is not on the canonicalization fast path: {e:?}"))?;
    let di = f.rt.block_on(secure_credential(
        unsigned.json(),
        &f.signer,
        Securing::DataIntegrity,
        &f.options,
        &f.loader,
    ))?;
    if f.verify(&di) != Verdict::Valid {
        return Err(anyhow!("the {kind} credential does not verify"));
    }
    let cv1 =
        f.rt.block_on(civitas_qr::compact::encode(&unsigned, &f.signer))?
            .len();
    Ok(Typed {
        kind,
        unsigned: unsigned.into_json(),
        di,
        cv1,
    })
}

/// The figures: per type, Data Integrity sign and verify, with the CV1 length in the note.
pub(crate) fn figures(
    f: &Fixture,
    raw: &RawEd25519,
    rounds: usize,
    clock: Clock,
) -> Result<Vec<Figure>> {
    let typed: Vec<Typed> = DocumentType::all()
        .into_iter()
        .map(|k| prepare(f, k))
        .collect::<Result<_>>()?;
    let mut ops: Vec<(String, Floor, Op<'_>)> = raw.ops(f);
    for t in &typed {
        ops.push((
            format!("{}: verify, Data Integrity", t.kind),
            Floor::Verify,
            Box::new(move || {
                black_box(f.verify(&t.di));
            }),
        ));
        ops.push((
            format!("{}: sign, Data Integrity", t.kind),
            Floor::SignVerify,
            Box::new(move || {
                black_box(
                    f.rt.block_on(secure_credential(
                        &t.unsigned,
                        &f.signer,
                        Securing::DataIntegrity,
                        &f.options,
                        &f.loader,
                    ))
                    .ok(),
                );
            }),
        ));
    }
    let mut figures = measure(&mut ops, rounds, clock);
    // the floor rows are the main table's; keep the types' own rows, and say their QR size
    figures.retain(|fig| typed.iter().any(|t| fig.name.starts_with(t.kind.as_str())));
    for fig in &mut figures {
        if let Some(t) = typed.iter().find(|t| fig.name.starts_with(t.kind.as_str())) {
            fig.note = format!("CV1 {} characters", t.cv1);
        }
    }
    Ok(figures)
}
