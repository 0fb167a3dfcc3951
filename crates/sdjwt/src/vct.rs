//! civitas' convention for SD-JWT VC types: the `vct` of the civitas document type `T` (a
//! profile's type name, e.g. `BirthCertificate`) is `urn:civitas:type:T`.

/// The prefix of civitas `vct` values.
pub const VCT_PREFIX: &str = "urn:civitas:type:";

/// The `vct` of the civitas document type `type_name`: `urn:civitas:type:{type_name}`.
pub fn vct_for(type_name: &str) -> String {
    format!("{VCT_PREFIX}{type_name}")
}

/// The civitas document type a `vct` names, `None` when it is not a civitas `vct` (or names
/// no type).
pub fn type_for_vct(vct: &str) -> Option<&str> {
    vct.strip_prefix(VCT_PREFIX).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(
            vct_for("BirthCertificate"),
            "urn:civitas:type:BirthCertificate"
        );
        assert_eq!(
            type_for_vct(&vct_for("BirthCertificate")),
            Some("BirthCertificate")
        );
        assert_eq!(type_for_vct("urn:civitas:type:"), None);
        assert_eq!(type_for_vct("https://example.org/vct"), None);
    }
}
