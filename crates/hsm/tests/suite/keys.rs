//! Keys in the SoftHSM token: generated, signing, found again by label, rotated; and the
//! errors a wrong PIN, a missing token or a missing key give. Run by `softhsm::in_softhsm`.

use civitas_hsm::{HsmError, HsmToken, KeyInfo, Pkcs11Signer};
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::signer::Signer;

use crate::softhsm::{Env, PIN_ENV};

fn step(name: &str) {
    println!("softhsm: {name}");
}

const ALGORITHMS: [(KeyAlgorithm, &str); 2] = [
    (KeyAlgorithm::Ed25519, "issuer-ed"),
    (KeyAlgorithm::P256, "issuer-p256"),
];

/// Signs through the `Signer` trait and checks the signature with civitas-keys.
async fn signs(signer: &Pkcs11Signer, message: &[u8]) {
    let signature = signer.sign(message).await.unwrap();
    assert_eq!(signature.len(), 64, "{} signature", signer.algorithm());
    signer.public_key().verify(message, &signature).unwrap();
    assert!(
        signer
            .public_key()
            .verify(b"another message", &signature)
            .is_err()
    );
}

fn listed(token: &HsmToken, label: &str) -> KeyInfo {
    let keys = token.keys().unwrap();
    keys.iter()
        .find(|k| k.label == label)
        .cloned()
        .unwrap_or_else(|| panic!("{label} not in {keys:?}"))
}

pub async fn wrong_pin_missing_token_and_missing_key_are_named(env: &Env) {
    step("wrong PIN, missing token, missing key label");
    let wrong = env.dir.join("wrong-pin");
    std::fs::write(&wrong, "0000").unwrap();
    let mut config = env.config("issuer-ed", KeyAlgorithm::Ed25519);
    config.pin_file = Some(wrong);
    let err = HsmToken::open(&config).unwrap_err();
    assert!(matches!(err, HsmError::WrongPin { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("token \"T\" (slot ")
            && message.ends_with("): login refused: wrong PIN"),
        "{message}"
    );

    let mut config = env.config("issuer-ed", KeyAlgorithm::Ed25519);
    config.token_label = Some("absent".into());
    let err = HsmToken::open(&config).unwrap_err();
    assert!(matches!(err, HsmError::TokenNotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("no initialized token \"absent\"")
            && message.contains("present: \"T\" in slot"),
        "{message}"
    );

    let err = Pkcs11Signer::open(&env.config("no-such-key", KeyAlgorithm::Ed25519)).unwrap_err();
    assert!(matches!(err, HsmError::KeyNotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("token \"T\" (slot ")
            && message.ends_with("no private key labelled \"no-such-key\""),
        "{message}"
    );
}

pub async fn generated_keys_sign_and_stay_in_the_token(env: &Env) {
    for (algorithm, label) in ALGORITHMS {
        step(&format!(
            "generate {algorithm} key {label}, sign, check its attributes"
        ));
        let config = env.config(label, algorithm);
        let signer = Pkcs11Signer::generate(&config).unwrap();
        assert_eq!(signer.label(), label);
        assert_eq!(signer.algorithm(), algorithm);
        assert!(signer.verification_method().starts_with("did:key:z"));
        signs(&signer, b"a birth certificate's canonical form").await;

        let info = listed(signer.token(), label);
        assert_eq!(info.algorithm, Some(algorithm));
        assert_eq!(info.public_key, Some(signer.public_key()));
        assert!(info.on_token, "CKA_TOKEN: {info:?}");
        assert!(info.sensitive, "CKA_SENSITIVE: {info:?}");
        assert!(!info.extractable, "CKA_EXTRACTABLE: {info:?}");
        assert!(info.never_extractable, "CKA_NEVER_EXTRACTABLE: {info:?}");

        let err = Pkcs11Signer::generate(&config).unwrap_err();
        assert!(matches!(err, HsmError::KeyExists { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains(&format!("a key labelled \"{label}\" already exists"))
        );
    }
    // the configuration's algorithm must be the key's
    let err = Pkcs11Signer::open(&env.config("issuer-ed", KeyAlgorithm::P256)).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("key \"issuer-ed\": the key is Ed25519, the configuration says P-256"),
        "{err}"
    );
}

pub async fn keys_are_found_again_by_label(env: &Env) {
    step("every session closed; keys found again by label (PIN from a variable)");
    // The signers of the previous step are dropped: their sessions are closed, so what is
    // found now is kept by the token, not by a session.
    let mut public_keys = Vec::new();
    for (algorithm, label) in ALGORITHMS {
        let config = env.config(label, algorithm).pin_env(PIN_ENV);
        let signer = Pkcs11Signer::open(&config).unwrap();
        signs(&signer, b"signed after a restart").await;
        // Many signatures at once go through the one session in turn.
        let signatures = futures_join(&signer, 8).await;
        assert_eq!(signatures, 8);
        public_keys.push(signer.public_key());
    }
    assert_ne!(public_keys[0], public_keys[1]);
}

/// Signs `n` messages concurrently; the number that verified.
async fn futures_join(signer: &Pkcs11Signer, n: usize) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let signer = signer.clone();
        tasks.spawn(async move {
            let message = format!("message {i}");
            let signature = signer.sign(message.as_bytes()).await.unwrap();
            signer
                .public_key()
                .verify(message.as_bytes(), &signature)
                .is_ok()
        });
    }
    let mut verified = 0;
    while let Some(ok) = tasks.join_next().await {
        verified += usize::from(ok.unwrap());
    }
    verified
}

pub async fn rotation_keeps_the_previous_key(env: &Env) {
    step("rotate: a new key beside the previous one, both sign");
    let signer = Pkcs11Signer::open(&env.config("issuer-ed", KeyAlgorithm::Ed25519)).unwrap();
    let rotation = signer.rotate().unwrap();
    assert_eq!(rotation.previous_label, "issuer-ed");
    assert_eq!(rotation.label, "issuer-ed-2");
    assert_eq!(rotation.previous_public_key, signer.public_key());
    assert_eq!(rotation.public_key, rotation.signer.public_key());
    assert_ne!(rotation.public_key, rotation.previous_public_key);
    signs(&signer, b"signed with the previous key").await;
    signs(&rotation.signer, b"signed with the new key").await;

    let again = rotation.signer.rotate().unwrap();
    assert_eq!(again.label, "issuer-ed-3");
    let labels: Vec<String> = signer
        .token()
        .keys()
        .unwrap()
        .into_iter()
        .map(|k| k.label)
        .collect();
    assert_eq!(
        labels,
        ["issuer-ed", "issuer-ed-2", "issuer-ed-3", "issuer-p256"]
    );

    let reopened = Pkcs11Signer::open(&env.config("issuer-ed-2", KeyAlgorithm::Ed25519)).unwrap();
    assert_eq!(reopened.public_key(), rotation.public_key);
    signs(&reopened, b"the rotated key, found by its label").await;
}
