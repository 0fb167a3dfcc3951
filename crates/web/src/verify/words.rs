//! The verifier page's own words in English and French: the verdicts, the checks' names and
//! outcomes, and the French of the advice civitas-verifier's [`Summary`] gives.

use civitas_core::report::{CheckKind, Outcome, Verdict};
#[cfg(doc)]
use civitas_verifier::summary::Summary;
use serde_json::Value;

use crate::lang::Lang;

/// The verdict in words: `VALID`, `NOT VALID`, `CANNOT BE DECIDED` (and in French).
pub fn verdict_words(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Valid => lang.pick("VALID", "VALIDE"),
        Verdict::Invalid => lang.pick("NOT VALID", "NON VALIDE"),
        Verdict::Indeterminate => lang.pick("CANNOT BE DECIDED", "IMPOSSIBLE DE DÉCIDER"),
    }
}

/// The `data-verdict` value.
pub fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::Indeterminate => "indeterminate",
    }
}

/// A check's name for people.
pub fn check_name(kind: CheckKind, lang: Lang) -> &'static str {
    let fr = match kind {
        CheckKind::Syntax => "format",
        CheckKind::Signature => "signature",
        CheckKind::IssuerBinding => "clé de l'émetteur",
        CheckKind::TrustedIssuer => "émetteur de confiance",
        CheckKind::ValidityPeriod => "période de validité",
        CheckKind::Revocation => "révocation",
        CheckKind::Suspension => "suspension",
        CheckKind::Schema => "schéma",
        CheckKind::ProofPurpose => "objet de la preuve",
        CheckKind::Challenge => "défi",
        CheckKind::Domain => "domaine",
        CheckKind::HolderBinding => "clé du titulaire",
        CheckKind::HolderIsSubject => "le titulaire est le sujet",
        CheckKind::EmbeddedCredentials => "attestations incluses",
    };
    lang.pick(kind.label(), fr)
}

/// A check's name as the report's JSON writes it (`trustedIssuer`): the `data-check` value.
pub fn check_code(kind: CheckKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(s)) => s,
        _ => kind.label().replace(' ', "-"),
    }
}

/// An outcome's class suffix and words.
pub fn outcome_words(outcome: &Outcome, lang: Lang) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Passed { .. } => ("ok", lang.pick("passed", "réussi")),
        Outcome::Failed { .. } => ("failed", lang.pick("failed", "échoué")),
        Outcome::Indeterminate { .. } => ("indeterminate", lang.pick("not decided", "non décidé")),
        Outcome::NotApplicable { .. } => {
            ("not-applicable", lang.pick("not applicable", "sans objet"))
        }
    }
}

/// The French of the advice [`Summary`] gives (English texts it does not know stay English).
pub fn advice_fr(en: &str) -> Option<&'static str> {
    Some(match en {
        "Do not accept this document." => "N'acceptez pas ce document.",
        "Its revocation status could not be confirmed: update the verifier's bundle \
         (or verify online) and try again." => {
            "Son statut de révocation n'a pas pu être confirmé : mettez à jour le paquet \
             du vérificateur (ou vérifiez en ligne) et réessayez."
        }
        "The issuer could not be confirmed: load a current trust list and try again." => {
            "L'émetteur n'a pas pu être confirmé : chargez une liste de confiance à jour \
             et réessayez."
        }
        "It could not be confirmed: verify again later." => {
            "Il n'a pas pu être confirmé : vérifiez de nouveau plus tard."
        }
        "This says nothing about the document: photograph its QR code again, or verify \
         its file." => {
            "Cela ne dit rien du document : photographiez de nouveau son code QR, ou \
             vérifiez son fichier."
        }
        _ => return None,
    })
}

/// `text` with its first letter in capitals.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
