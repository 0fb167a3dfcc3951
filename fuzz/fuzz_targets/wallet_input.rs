//! Arbitrary bytes as what a wallet reads from outside: a credential handed in for import
//! (`read_input`: Data Integrity JSON, `vc+jwt`, `CV1:` QR text), the wallet's stored header
//! (`Header::parse`) and a backup file (`backup::inspect`, the clear part `Wallet::restore`
//! checks before deriving the key). None may panic; a header that is read writes itself out as
//! bytes that read back the same; unlocking a header read from the input (with the key
//! derivation made cheap, so that each input costs little) must not panic.
#![no_main]

use civitas_keys::sealed::KdfParams;
use civitas_wallet::backup;
use civitas_wallet::document::{DocumentFormat, read_input};
use civitas_wallet::header::Header;
use libfuzzer_sys::fuzz_target;

/// The cheapest parameters Argon2id accepts: the fuzzer explores the parsing, not the KDF.
const CHEAP: KdfParams = KdfParams {
    memory_kib: 8,
    iterations: 1,
    parallelism: 1,
};

fn try_unlock(mut header: Header, what: &'static str) {
    header.kdf = CHEAP;
    let _ = header.unlock(b"correct horse battery staple", what);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = read_input(data) {
        assert!(!read.content.is_empty());
        assert!(read.credential.is_object() || read.format == DocumentFormat::Compact);
    }
    if let Ok(header) = Header::parse(data, "wallet") {
        let again = Header::parse(&header.to_bytes(), "wallet").expect("a written header reads");
        assert_eq!(again, header);
        try_unlock(header, "wallet");
    }
    if let Ok(header) = backup::inspect(data) {
        try_unlock(header, "backup");
    }
});
