//! The terms the W3C VC Data Model 2.0 context (`https://www.w3.org/ns/credentials/v2`) defines
//! and protects, at its top level and in its type-scoped contexts. A profile's vocabulary may not
//! redefine them: JSON-LD refuses a protected term redefined differently, and a credential whose
//! `credentialSubject` re-used `issuer` or `validFrom` would read differently to different
//! processors.

/// Every term of the VC 2.0 context, sorted, with its IRI where the top-level definition is a
/// plain IRI (such a term may be redefined identically, as the civil-registry context does for
/// `name`); `None`: a keyword alias, a term with a scoped context or coercion, or a term only
/// defined inside a type-scoped context — never redefinable.
pub const VC2_PROTECTED_TERMS: [(&str, Option<&str>); 72] = [
    ("...", None),
    ("BitstringStatusList", None),
    (
        "BitstringStatusListCredential",
        Some("https://www.w3.org/ns/credentials/status#BitstringStatusListCredential"),
    ),
    ("BitstringStatusListEntry", None),
    ("DataIntegrityProof", None),
    (
        "EnvelopedVerifiableCredential",
        Some("https://www.w3.org/2018/credentials#EnvelopedVerifiableCredential"),
    ),
    (
        "EnvelopedVerifiablePresentation",
        Some("https://www.w3.org/2018/credentials#EnvelopedVerifiablePresentation"),
    ),
    ("JsonSchema", None),
    (
        "JsonSchemaCredential",
        Some("https://www.w3.org/2018/credentials#JsonSchemaCredential"),
    ),
    ("VerifiableCredential", None),
    ("VerifiablePresentation", None),
    ("_sd", None),
    ("_sd_alg", None),
    ("assertionMethod", None),
    ("aud", None),
    ("authentication", None),
    ("capabilityDelegation", None),
    ("capabilityInvocation", None),
    ("challenge", None),
    ("cnf", None),
    ("confidenceMethod", None),
    ("created", None),
    ("credentialSchema", None),
    ("credentialStatus", None),
    ("credentialSubject", None),
    ("cryptosuite", None),
    ("description", Some("https://schema.org/description")),
    ("digestMultibase", None),
    ("digestSRI", None),
    ("domain", None),
    ("encodedList", None),
    ("evidence", None),
    ("exp", None),
    ("expires", None),
    ("holder", None),
    ("iat", None),
    ("id", None),
    ("iss", None),
    ("issuer", None),
    ("jku", None),
    ("jsonSchema", None),
    ("jwk", None),
    ("keyAgreement", None),
    ("kid", None),
    ("mediaType", None),
    ("message", None),
    ("name", Some("https://schema.org/name")),
    ("nbf", None),
    ("nonce", None),
    ("previousProof", None),
    ("proof", None),
    ("proofPurpose", None),
    ("proofValue", None),
    ("refreshService", None),
    ("relatedResource", None),
    ("renderMethod", None),
    ("status", None),
    ("statusListCredential", None),
    ("statusListIndex", None),
    ("statusMessage", None),
    ("statusPurpose", None),
    ("statusReference", None),
    ("statusSize", None),
    ("sub", None),
    ("termsOfUse", None),
    ("ttl", None),
    ("type", None),
    ("validFrom", None),
    ("validUntil", None),
    ("verifiableCredential", None),
    ("verificationMethod", None),
    ("x5u", None),
];

/// The VC 2.0 definition of `term`, when it is protected: `Some(Some(iri))` when it may be
/// redefined as exactly `iri`, `Some(None)` when it may not be redefined at all.
pub fn protected(term: &str) -> Option<Option<&'static str>> {
    VC2_PROTECTED_TERMS
        .binary_search_by(|(t, _)| (*t).cmp(term))
        .ok()
        .map(|i| VC2_PROTECTED_TERMS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_answers() {
        assert!(VC2_PROTECTED_TERMS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(protected("issuer"), Some(None));
        assert_eq!(protected("name"), Some(Some("https://schema.org/name")));
        assert_eq!(protected("givenName"), None);
    }
}
