//! Arbitrary bytes as a page of records from the InfoHighway e-service (`Page::parse`, what
//! the client does with each response body), with the default member names and with dotted
//! paths: it must never panic, and a page that is read is consistent (more records announced
//! only with a cursor to ask for them). The first records are mapped with the shipped
//! InfoHighway birth mapping, as the feed ingestion does. The bytes are also read as the feed's
//! checkpoint file (round trip checked).
#![no_main]

use std::sync::LazyLock;

use civitas_infohighway::config::Paging;
use civitas_infohighway::mappings::INFOHIGHWAY_BIRTH;
use civitas_infohighway::{Checkpoint, Mapping, Page};
use libfuzzer_sys::fuzz_target;

static MAPPING: LazyLock<Option<Mapping>> =
    LazyLock::new(|| Mapping::parse("infohighway-birth.toml", INFOHIGHWAY_BIRTH).ok());

static DOTTED: LazyLock<Paging> = LazyLock::new(|| Paging {
    records: "data.items".into(),
    next_cursor: "paging.next".into(),
    has_more: "paging.more".into(),
    remaining: "paging.left".into(),
    ..Paging::default()
});

fuzz_target!(|data: &[u8]| {
    // The same bytes as the feed's checkpoint file (JSON, read back on restart).
    if let Ok(checkpoint) = serde_json::from_slice::<Checkpoint>(data) {
        let text = serde_json::to_vec(&checkpoint).expect("a checkpoint serialises");
        let again: Checkpoint = serde_json::from_slice(&text).expect("a checkpoint reads back");
        assert_eq!(again, checkpoint);
    }
    for paging in [&Paging::default(), &*DOTTED] {
        match Page::parse(data, paging) {
            Ok(page) => {
                assert!(!page.has_more || page.next_cursor.is_some());
                if let Some(mapping) = MAPPING.as_ref() {
                    for record in page.records.iter().take(8) {
                        let _ = mapping.apply(record);
                    }
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
