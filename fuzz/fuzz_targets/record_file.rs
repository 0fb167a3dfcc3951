//! Arbitrary bytes as an export file of records (`FileReader::from_bytes`, the reader
//! `ingest_file` uses): JSON Lines, and CSV with the delimiter and header choice taken from the
//! first byte. Reading to the end must never panic, report a record that is not an object, or
//! read past the input; each record is mapped with the shipped mapping for its format
//! (`Mapping::apply`).
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use civitas_infohighway::mapping::CsvOptions;
use civitas_infohighway::mappings::{CSV_BIRTH, INFOHIGHWAY_BIRTH};
use civitas_infohighway::source::file::FileEvent;
use civitas_infohighway::{FileFormat, FileReader, Mapping};
use libfuzzer_sys::fuzz_target;

/// Small enough that the fuzzer reaches the too-long-line paths.
const MAX_LINE: usize = 256;
/// Records mapped per input (mapping is the expensive part).
const MAPPED: usize = 8;

static JSONL_MAPPING: LazyLock<Option<Mapping>> =
    LazyLock::new(|| Mapping::parse("infohighway-birth.toml", INFOHIGHWAY_BIRTH).ok());
static CSV_MAPPING: LazyLock<Option<Mapping>> =
    LazyLock::new(|| Mapping::parse("csv-birth.toml", CSV_BIRTH).ok());

fn read_all(bytes: &[u8], format: FileFormat, csv: &CsvOptions, mapping: Option<&Mapping>) {
    let path = Path::new("fuzz-export");
    let Ok(mut reader) = FileReader::from_bytes(path, bytes.to_vec(), format, csv, MAX_LINE) else {
        return;
    };
    let mut mapped = 0;
    while let Ok(Some(event)) = reader.next_event() {
        assert!(reader.bytes_read() <= reader.total_bytes());
        if let FileEvent::Record { record, .. } = event {
            assert!(record.is_object());
            if mapped < MAPPED
                && let Some(m) = mapping
            {
                mapped += 1;
                let _ = m.apply(&record);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    read_all(
        data,
        FileFormat::JsonLines,
        &CsvOptions {
            delimiter: b',',
            headers: None,
        },
        JSONL_MAPPING.as_ref(),
    );
    let delimiter = [b',', b';', b'\t', b'|'][usize::from(first & 3)];
    let headers = (first & 4 != 0).then(|| {
        civitas_infohighway::mappings::CSV_BIRTH_HEADER
            .split(',')
            .map(str::to_owned)
            .collect()
    });
    read_all(
        rest,
        FileFormat::Csv,
        &CsvOptions { delimiter, headers },
        CSV_MAPPING.as_ref(),
    );
});
