//! Checking a compact credential with the trust-less [`DocumentCheck`] (and the policies added to
//! it): the same report as for the full credential, the `Signature` check being the COSE
//! signature and `IssuerBinding` the `kid`.

use civitas_core::report::{CheckKind, DocumentKind, Outcome, Report};
use civitas_core::verify::{DocumentCheck, SecuredCredential, VerifyOptions};

use super::{CompactCredential, SECURED_WITH, decode};

/// Verifies a compact credential: the COSE signature, the issuer's binding of `kid`, and — on the
/// rebuilt credential — data model, validity period, schema and the checker's policies (trust,
/// revocation and suspension: the rebuilt credential carries the same status entries).
///
/// The policies see the rebuilt credential as a [`SecuredCredential::DataIntegrity`] without
/// proof; the signature and binding outcomes are the COSE ones.
pub async fn check_compact(
    checker: &DocumentCheck,
    compact: &CompactCredential,
    options: &VerifyOptions,
) -> Report {
    let credential = match compact.to_credential() {
        Ok(c) => c,
        Err(e) => {
            let mut report = Report::new(DocumentKind::Credential);
            report.secured_with = Some(SECURED_WITH.to_owned());
            report.push(CheckKind::Syntax, Outcome::failed(e.to_string()));
            report.about.description =
                Some(civitas_core::model::describe(compact.credential_json()));
            return report;
        }
    };
    let resolver = checker.resolver().as_ref();
    let terms = civitas_jsonld::canon::check_terms(credential.json(), checker.loader()).await;
    let mut report = checker
        .check_credential(&SecuredCredential::DataIntegrity(credential), options)
        .await;
    report.secured_with = Some(SECURED_WITH.to_owned());
    if let Err(e) = terms {
        report.push(CheckKind::Syntax, Outcome::failed(e.to_string()));
    }
    report.push(
        CheckKind::Signature,
        compact.signature_outcome(resolver).await,
    );
    report.push(
        CheckKind::IssuerBinding,
        compact.binding_outcome(resolver).await,
    );
    report
}

/// Reads a compact text and verifies it (see [`check_compact`]); a text that cannot be read
/// yields a report whose `Syntax` check failed with the reason.
pub async fn check_compact_text(
    checker: &DocumentCheck,
    text: &str,
    options: &VerifyOptions,
) -> Report {
    match decode(text) {
        Ok(compact) => check_compact(checker, &compact, options).await,
        Err(e) => {
            let mut report = Report::new(DocumentKind::Unknown);
            report.push(CheckKind::Syntax, Outcome::failed(e.to_string()));
            report
        }
    }
}
