//! Arbitrary text as the InfoHighway service configuration (`InfoHighwayConfig::parse`, TOML):
//! it must never panic. Relative paths resolve against an empty directory; a configuration
//! that is read answers for each of its services (feed URL, checkpoint path).
#![no_main]

use std::path::Path;

use civitas_infohighway::InfoHighwayConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = Path::new("/nonexistent/civitas-fuzz");
    match InfoHighwayConfig::parse("fuzz.toml", text, base) {
        Ok(config) => {
            for (name, service) in &config.services {
                let _ = config.feed_url(service);
                let _ = config.checkpoint_path(service, base);
                assert!(config.service(name).is_ok());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
