//! The SD-JWT VC verifier of the JS interop harness: `sd-jwt-verify.mjs`, built on
//! `@sd-jwt/sd-jwt-vc` 0.19.0 (hasher from `@sd-jwt/crypto-nodejs`, signatures checked with
//! `node:crypto`), offline.
//!
//! ```no_run
//! use civitas_testkit::js::JsPeer;
//!
//! let Some(js) = JsPeer::get() else { return };
//! # let (sd_jwt, issuer_jwk) = (String::new(), serde_json::Value::Null);
//! let verdict = js.sd_jwt_verify(&serde_json::json!({
//!     "sdJwt": sd_jwt, "issuerJwk": issuer_jwk, "kb": {"aud": "https://verifier.example", "nonce": "n"},
//! }));
//! assert!(verdict.verified, "{:?}", verdict.errors);
//! ```

use serde_json::Value;

use super::{JsPeer, TempFiles, strings};

/// What `sd-jwt-verify.mjs` said about an SD-JWT VC.
#[derive(Debug, Clone)]
pub struct JsSdJwtVerdict {
    /// The SD-JWT VC verified: issuer signature, disclosures, validity period, `typ`, and
    /// when `kb` was given, the KB-JWT (signature by `cnf.jwk`, nonce, `aud`, `sd_hash`).
    pub verified: bool,
    /// The claims the JS stack reconstructed (plain and disclosed, `_sd` removed); `Null`
    /// when not verified.
    pub claims: Value,
    /// The error messages of the JS stack (empty when verified).
    pub errors: Vec<String>,
    /// The whole JSON line printed by the script (also `header` and `kb`).
    pub raw: Value,
    /// The script's exit code: 0 verified, 1 not verified, 2 input error.
    pub exit_code: i32,
}

impl JsPeer {
    /// Verifies an SD-JWT VC with `sd-jwt-verify.mjs`. `request` is
    /// `{"sdJwt", "issuerJwk", "kb": {"aud", "nonce"} | null, "requiredClaims"?: [..],
    /// "now"?: seconds}` (see the script).
    ///
    /// # Panics
    ///
    /// When the script fails in any other way than with a JSON verdict.
    pub fn sd_jwt_verify(&self, request: &Value) -> JsSdJwtVerdict {
        let tmp = TempFiles::new();
        let args = vec![tmp.write("request.json", &request.to_string())];
        let (raw, exit_code) = self.run_json("sd-jwt-verify.mjs", &args, &[0, 1, 2]);
        JsSdJwtVerdict {
            verified: raw["verified"] == Value::Bool(true),
            claims: raw["claims"].clone(),
            errors: strings(&raw["errors"]),
            raw,
            exit_code,
        }
    }
}
