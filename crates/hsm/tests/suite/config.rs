//! The configuration: TOML in, each wrong field named; the PIN from a file or a variable,
//! never inline; a missing or broken module named. No HSM needed.

use civitas_hsm::config::{ConfigError, PinSource, TokenSelector};
use civitas_hsm::{HsmConfig, HsmError, HsmToken};
use civitas_keys::keys::KeyAlgorithm;

const FULL: &str = r#"
module = "/usr/lib/softhsm/libsofthsm2.so"
token_label = "civil-registry"
key_label = "issuer"
algorithm = "p256"
pin_file = "/run/secrets/hsm-pin"
"#;

fn parse(text: &str) -> HsmConfig {
    toml::from_str(text).unwrap()
}

fn invalid(text: &str) -> ConfigError {
    parse(text).validate().unwrap_err()
}

#[test]
fn the_configuration_is_read_from_toml_and_each_wrong_field_is_named() {
    let config = parse(FULL);
    config.validate().unwrap();
    assert_eq!(
        config.token().unwrap(),
        TokenSelector::Label("civil-registry".into())
    );
    assert_eq!(config.algorithm, KeyAlgorithm::P256);
    assert_eq!(
        config.pin_source().unwrap(),
        PinSource::File("/run/secrets/hsm-pin".into())
    );
    let written = toml::to_string(&config).unwrap();
    assert_eq!(parse(&written), config);
    let by_slot = parse(&FULL.replace("token_label = \"civil-registry\"", "slot = 3"));
    assert_eq!(by_slot.token().unwrap(), TokenSelector::Slot(3));
    let defaulted = parse(&FULL.replace("algorithm = \"p256\"", ""));
    assert_eq!(defaulted.algorithm, KeyAlgorithm::Ed25519);

    let cases: [(String, &str); 8] = [
        (
            format!("{FULL}pin = \"1234\""),
            "`pin` must not be written in the configuration: use `pin_file` or `pin_env`",
        ),
        (
            FULL.replace("/usr/lib/softhsm/", ""),
            "`module` must be the absolute path of the PKCS#11 module (.so), got \"libsofthsm2.so\"",
        ),
        (
            format!("{FULL}slot = 0"),
            "give exactly one of `slot` and `token_label` to name the token",
        ),
        (
            FULL.replace("token_label = \"civil-registry\"", ""),
            "give exactly one of `slot` and `token_label` to name the token",
        ),
        (
            FULL.replace("civil-registry", ""),
            "`token_label` must be 1 to 32 bytes, got 0",
        ),
        (FULL.replace("\"issuer\"", "\"\""), "`key_label` is empty"),
        (
            format!("{FULL}pin_env = \"HSM_PIN\""),
            "give exactly one of `pin_file` and `pin_env` for the user PIN",
        ),
        (
            FULL.replace("pin_file = \"/run/secrets/hsm-pin\"", "pin_env = \"A=B\""),
            "`pin_env` must be a variable name (not empty, no `=` or NUL), got \"A=B\"",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(invalid(&text).to_string(), expected, "{text}");
    }
    // an unknown member is a TOML error naming it
    let err = toml::from_str::<HsmConfig>(&format!("{FULL}pin_fil = \"x\"")).unwrap_err();
    assert!(err.to_string().contains("unknown field `pin_fil`"), "{err}");
}

#[test]
fn the_pin_comes_from_a_file_or_a_variable() {
    let dir = tempfile::tempdir().unwrap();
    let pin_file = dir.path().join("pin");
    let config = HsmConfig::new(
        "/opt/hsm/lib.so",
        "T",
        "issuer",
        KeyAlgorithm::Ed25519,
        &pin_file,
    );

    let err = config.read_pin().unwrap_err();
    assert!(
        matches!(&err, ConfigError::PinFile { path, .. } if *path == pin_file),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("`pin_file` {}: ", pin_file.display()))
    );
    std::fs::write(&pin_file, "").unwrap();
    assert_eq!(
        config.read_pin().unwrap_err().to_string(),
        format!("`pin_file` {} holds an empty PIN", pin_file.display())
    );
    for written in ["12 34\n", "12 34\r\n", "12 34"] {
        std::fs::write(&pin_file, written).unwrap();
        assert_eq!(config.read_pin().unwrap().as_str(), "12 34");
    }

    // (a variable that is set: the SoftHSM tests read their PIN from one)
    let unset = config.pin_env("CIVITAS_HSM_TEST_UNSET_VARIABLE");
    assert_eq!(
        unset.read_pin().unwrap_err().to_string(),
        "`pin_env` CIVITAS_HSM_TEST_UNSET_VARIABLE is not set (or not UTF-8)"
    );
}

#[test]
fn a_missing_or_broken_module_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, "1234").unwrap();
    let missing = dir.path().join("libnot-there.so");
    let config = HsmConfig::new(&missing, "T", "issuer", KeyAlgorithm::Ed25519, &pin_file);
    let err = HsmToken::open(&config).unwrap_err();
    assert!(matches!(err, HsmError::ModuleNotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("PKCS#11 module {} not found", missing.display())
    );

    // a file that is not a shared library
    std::fs::write(&missing, b"not a library").unwrap();
    let err = HsmToken::open(&config).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(
            err,
            HsmError::Module {
                operation: civitas_hsm::Operation::LoadModule,
                ..
            }
        ) && message.starts_with(&format!(
            "PKCS#11 module {}: load module failed: ",
            missing.display()
        )),
        "{message}"
    );

    // the configuration is checked (and the PIN read) before the module is touched
    let err = HsmToken::open(&config.clone().key_label("")).unwrap_err();
    assert_eq!(err.to_string(), "HSM configuration: `key_label` is empty");
}
