//! File exports: JSON Lines (one JSON object per line) and CSV (a header row, then one record
//! per row), read as streams in constant memory: one line or row at a time, through bounded
//! buffers, whatever the size of the file.
//!
//! A line or row that cannot be read as a record (malformed JSON, not an object, a row with the
//! wrong number of fields, invalid UTF-8, longer than the limit) is a bad record, not a bad
//! file: it is reported and reading goes on. Only an I/O error, or a CSV line longer than the
//! limit (a CSV parser cannot resynchronise safely), stops the file.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use crate::error::IngestError;
use crate::ingest::{Item, Position, Unit, map_record, unreadable};
use crate::mapping::CsvOptions;
use crate::source::{Emitter, Source};

/// Longest accepted line (JSON Lines) or physical CSV line: 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The format of an export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// JSON Lines: one JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// CSV with a header row (`.csv`; the delimiter comes from the mapping's `[csv]`).
    Csv,
}

impl FileFormat {
    /// Guesses the format from the file extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => Some(Self::JsonLines),
            Some("csv" | "tsv" | "txt") => Some(Self::Csv),
            _ => None,
        }
    }
}

/// A text that names no file format (the text given, lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a file format (csv, jsonl)")]
pub struct UnknownFileFormat(pub String);

impl std::str::FromStr for FileFormat {
    type Err = UnknownFileFormat;
    fn from_str(s: &str) -> Result<Self, UnknownFileFormat> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json-lines" | "jsonlines" => Ok(Self::JsonLines),
            "csv" => Ok(Self::Csv),
            other => Err(UnknownFileFormat(other.to_owned())),
        }
    }
}

/// One thing read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileEvent {
    /// A record (a JSON object; a CSV row as an object of strings keyed by column name).
    Record {
        /// `line N`.
        position: String,
        /// The record.
        record: Value,
    },
    /// A line or row that is not a record.
    Malformed {
        /// `line N`.
        position: String,
        /// Why.
        reason: String,
    },
}

/// Counts the bytes read from the file (for progress) and refuses physical lines longer than
/// the limit (so that a CSV parser never buffers more than that).
struct Guard<R> {
    inner: R,
    read: Arc<AtomicU64>,
    since_newline: usize,
    max_line: Option<usize>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(max) = self.max_line {
            for &b in &buf[..n] {
                if b == b'\n' {
                    self.since_newline = 0;
                } else {
                    self.since_newline += 1;
                    if self.since_newline > max {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!(
                                "a line longer than {max} bytes near byte {}",
                                self.read.load(Ordering::Relaxed)
                            ),
                        ));
                    }
                }
            }
        }
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where the bytes come from: the file, or (for [`FileReader::from_bytes`]) memory.
type ByteSource = Box<dyn Read + Send>;

enum Inner {
    Lines {
        reader: BufReader<Guard<ByteSource>>,
        buf: Vec<u8>,
        line: u64,
    },
    Csv {
        reader: Box<csv::Reader<Guard<ByteSource>>>,
        headers: Vec<String>,
        row: csv::ByteRecord,
    },
}

/// A streaming reader of an export file.
pub struct FileReader {
    path: PathBuf,
    inner: Inner,
    read: Arc<AtomicU64>,
    total: u64,
    max_line: usize,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("path", &self.path)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl FileReader {
    /// Opens `path` as `format` (CSV options from the mapping).
    pub fn open(path: &Path, format: FileFormat, csv: &CsvOptions) -> Result<Self, IngestError> {
        Self::open_with_limit(path, format, csv, MAX_LINE_BYTES)
    }

    /// [`FileReader::open`] with another line limit.
    pub fn open_with_limit(
        path: &Path,
        format: FileFormat,
        csv_options: &CsvOptions,
        max_line: usize,
    ) -> Result<Self, IngestError> {
        let file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        Self::from_source(path, Box::new(file), total, format, csv_options, max_line)
    }

    /// Reads an export held in memory, exactly as [`FileReader::open_with_limit`] reads a
    /// file; `name` stands for the file's path in positions and errors.
    pub fn from_bytes(
        name: &Path,
        bytes: Vec<u8>,
        format: FileFormat,
        csv_options: &CsvOptions,
        max_line: usize,
    ) -> Result<Self, IngestError> {
        let total = bytes.len() as u64;
        let source = Box::new(std::io::Cursor::new(bytes));
        Self::from_source(name, source, total, format, csv_options, max_line)
    }

    fn from_source(
        path: &Path,
        file: ByteSource,
        total: u64,
        format: FileFormat,
        csv_options: &CsvOptions,
        max_line: usize,
    ) -> Result<Self, IngestError> {
        let read = Arc::new(AtomicU64::new(0));
        let inner = match format {
            FileFormat::JsonLines => Inner::Lines {
                reader: BufReader::with_capacity(
                    64 * 1024,
                    Guard {
                        inner: file,
                        read: read.clone(),
                        since_newline: 0,
                        max_line: None,
                    },
                ),
                buf: Vec::new(),
                line: 0,
            },
            FileFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(csv_options.delimiter)
                    .has_headers(csv_options.headers.is_none())
                    .flexible(false)
                    .buffer_capacity(64 * 1024)
                    .from_reader(Guard {
                        inner: file,
                        read: read.clone(),
                        since_newline: 0,
                        max_line: Some(max_line),
                    });
                let headers = match &csv_options.headers {
                    Some(h) => h.clone(),
                    None => {
                        let h = reader.byte_headers().map_err(|e| csv_fatal(path, &e))?;
                        let mut names = Vec::new();
                        for (i, field) in h.iter().enumerate() {
                            let name =
                                std::str::from_utf8(field).map_err(|_| IngestError::Input {
                                    path: path.display().to_string(),
                                    reason: format!("the header of column {} is not UTF-8", i + 1),
                                })?;
                            let name = name.trim_start_matches('\u{feff}').trim();
                            names.push(name.to_owned());
                        }
                        if names.iter().all(String::is_empty) {
                            return Err(IngestError::Input {
                                path: path.display().to_string(),
                                reason: "no header row (the first line names the columns)".into(),
                            });
                        }
                        names
                    }
                };
                Inner::Csv {
                    reader: Box::new(reader),
                    headers,
                    row: csv::ByteRecord::new(),
                }
            }
        };
        Ok(Self {
            path: path.to_owned(),
            inner,
            read,
            total,
            max_line,
        })
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The file's size.
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    /// The next record, malformed line, or the end of the file.
    pub fn next_event(&mut self) -> Result<Option<FileEvent>, IngestError> {
        match &mut self.inner {
            Inner::Lines { reader, buf, line } => loop {
                *line += 1;
                let position = format!("line {line}");
                match read_bounded_line(reader, buf, self.max_line)
                    .map_err(|e| IngestError::io(&self.path, e))?
                {
                    LineRead::Eof => return Ok(None),
                    LineRead::TooLong(n) => {
                        return Ok(Some(FileEvent::Malformed {
                            position,
                            reason: format!(
                                "the line is {n} bytes long, longer than the limit of {} bytes",
                                self.max_line
                            ),
                        }));
                    }
                    LineRead::Line => {
                        let bytes = buf.strip_suffix(b"\r").unwrap_or(buf);
                        if bytes.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        // The strict parser: a record repeating a member name is refused (the
                        // line is already size-limited).
                        return Ok(Some(
                            match civitas_jsonld::json::parse_with_limit(bytes, usize::MAX) {
                                Ok(record @ Value::Object(_)) => {
                                    FileEvent::Record { position, record }
                                }
                                Ok(_) => FileEvent::Malformed {
                                    position,
                                    reason: "the line is JSON but not an object".into(),
                                },
                                Err(e) => FileEvent::Malformed {
                                    position,
                                    reason: format!("malformed JSON: {e}"),
                                },
                            },
                        ));
                    }
                }
            },
            Inner::Csv {
                reader,
                headers,
                row,
            } => match reader.read_byte_record(row) {
                Ok(false) => Ok(None),
                Ok(true) => {
                    let line = row.position().map_or(0, csv::Position::line);
                    let position = format!("line {line}");
                    let mut map = Map::new();
                    for (i, field) in row.iter().enumerate() {
                        let Ok(text) = std::str::from_utf8(field) else {
                            return Ok(Some(FileEvent::Malformed {
                                position,
                                reason: format!(
                                    "column {} ({}) is not UTF-8",
                                    i + 1,
                                    headers.get(i).map_or("?", String::as_str)
                                ),
                            }));
                        };
                        let key = headers
                            .get(i)
                            .cloned()
                            .unwrap_or_else(|| format!("{}", i + 1));
                        map.insert(key, Value::String(text.to_owned()));
                    }
                    Ok(Some(FileEvent::Record {
                        position,
                        record: Value::Object(map),
                    }))
                }
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        pos,
                        expected_len,
                        len,
                    } => Ok(Some(FileEvent::Malformed {
                        position: format!("line {}", pos.as_ref().map_or(0, csv::Position::line)),
                        reason: format!("{len} fields, the header has {expected_len}"),
                    })),
                    csv::ErrorKind::Utf8 { pos, err } => Ok(Some(FileEvent::Malformed {
                        position: format!("line {}", pos.as_ref().map_or(0, csv::Position::line)),
                        reason: format!("not UTF-8: {err}"),
                    })),
                    _ => Err(csv_fatal(&self.path, &e)),
                },
            },
        }
    }
}

fn csv_fatal(path: &Path, e: &csv::Error) -> IngestError {
    IngestError::Input {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

enum LineRead {
    Eof,
    Line,
    TooLong(usize),
}

/// Reads one line into `buf` (without the newline), never holding more than `max` bytes: a
/// longer line is consumed and dropped.
fn read_bounded_line<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineRead> {
    buf.clear();
    let mut any = false;
    let mut length = 0usize;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        length += chunk.len();
        if !too_long {
            if length > max {
                too_long = true;
                buf.clear();
                buf.shrink_to(max.min(64 * 1024));
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(chunk.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    Ok(match (any, too_long) {
        (false, _) => LineRead::Eof,
        (true, true) => LineRead::TooLong(length),
        (true, false) => LineRead::Line,
    })
}

/// An export file as a [`Source`]: read on a blocking thread, record by record, with its
/// position (line, or record number) in the report and its progress in bytes. It does not
/// resume: a file is read again from its start, and records already issued replay.
#[derive(Debug)]
pub struct FileSource {
    reader: FileReader,
    label: String,
}

impl FileSource {
    /// Opens `path` as `format` (CSV read with `csv`, the mapping's CSV options).
    pub fn open(path: &Path, format: FileFormat, csv: &CsvOptions) -> Result<Self, IngestError> {
        Ok(Self {
            reader: FileReader::open(path, format, csv)?,
            label: format!("file {}", path.display()),
        })
    }
}

#[async_trait::async_trait]
impl Source for FileSource {
    fn label(&self) -> String {
        self.label.clone()
    }

    async fn read(self: Box<Self>, out: Emitter) {
        let Emitter { tx, mapping } = out;
        let mut reader = self.reader;
        let reading = tokio::task::spawn_blocking(move || {
            let total = reader.total_bytes();
            let progress_at = |reader: &FileReader| Position {
                done: reader.bytes_read(),
                total: Some(total),
                unit: Unit::Bytes,
            };
            let mut n: u64 = 0;
            loop {
                let item = match reader.next_event() {
                    Ok(None) => break,
                    Ok(Some(FileEvent::Record { position, record })) => {
                        map_record(&mapping, position, &record)
                    }
                    Ok(Some(FileEvent::Malformed { position, reason })) => {
                        unreadable(position, reason)
                    }
                    Err(e) => Item::Fatal(e),
                };
                let fatal = matches!(item, Item::Fatal(_));
                if tx.blocking_send(item).is_err() || fatal {
                    return;
                }
                n += 1;
                if n.is_multiple_of(256)
                    && tx
                        .blocking_send(Item::Position(progress_at(&reader)))
                        .is_err()
                {
                    return;
                }
            }
            let _ = tx.blocking_send(Item::Position(progress_at(&reader)));
        });
        let _ = reading.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn an_unknown_file_format_is_a_typed_error_naming_it() {
        assert_eq!("CSV".parse::<FileFormat>(), Ok(FileFormat::Csv));
        let e = "xlsx".parse::<FileFormat>().unwrap_err();
        assert_eq!(e, UnknownFileFormat("xlsx".into()));
        assert_eq!(e.to_string(), "`xlsx` is not a file format (csv, jsonl)");
    }

    fn csv_opts() -> CsvOptions {
        CsvOptions {
            delimiter: b',',
            headers: None,
        }
    }

    fn all(r: &mut FileReader) -> Vec<FileEvent> {
        let mut v = Vec::new();
        while let Some(e) = r.next_event().unwrap() {
            v.push(e);
        }
        v
    }

    #[test]
    fn json_lines_bad_lines_are_records_not_failures() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        let mut f = std::fs::File::create(&p).unwrap();
        writeln!(f, "{{\"a\": 1}}").unwrap();
        writeln!(f).unwrap();
        writeln!(f, "{{\"a\": ").unwrap();
        writeln!(f, "[1]").unwrap();
        writeln!(f, "{{\"long\": \"{}\"}}", "x".repeat(200)).unwrap();
        write!(f, "{{\"a\": 2}}\r").unwrap();
        drop(f);
        let mut r =
            FileReader::open_with_limit(&p, FileFormat::JsonLines, &csv_opts(), 100).unwrap();
        let ev = all(&mut r);
        assert_eq!(ev.len(), 5, "{ev:?}");
        assert!(matches!(&ev[0], FileEvent::Record { position, .. } if position == "line 1"));
        assert!(
            matches!(&ev[1], FileEvent::Malformed { position, reason } if position == "line 3" && reason.contains("malformed JSON"))
        );
        assert!(
            matches!(&ev[2], FileEvent::Malformed { reason, .. } if reason.contains("not an object"))
        );
        assert!(
            matches!(&ev[3], FileEvent::Malformed { position, reason } if position == "line 5" && reason.contains("longer than the limit"))
        );
        assert!(
            matches!(&ev[4], FileEvent::Record { position, record } if position == "line 6" && record["a"] == 2)
        );
        assert_eq!(r.bytes_read(), r.total_bytes());
    }

    #[test]
    fn csv_rows_become_objects() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(
            &p,
            "\u{feff}id, name ,note\n1,Anne,\"a, b\"\n2,Bob\n3,\"multi\nline\",c\n",
        )
        .unwrap();
        let mut r = FileReader::open(&p, FileFormat::Csv, &csv_opts()).unwrap();
        let ev = all(&mut r);
        assert_eq!(ev.len(), 3, "{ev:?}");
        assert!(
            matches!(&ev[0], FileEvent::Record { record, position } if record["id"] == "1" && record["name"] == "Anne" && record["note"] == "a, b" && position == "line 2")
        );
        assert!(
            matches!(&ev[1], FileEvent::Malformed { position, reason } if position == "line 3" && reason.contains("2 fields"))
        );
        assert!(
            matches!(&ev[2], FileEvent::Record { record, .. } if record["name"] == "multi\nline")
        );
    }

    #[test]
    fn bytes_read_like_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        for (format, name, text) in [
            (
                FileFormat::JsonLines,
                "x.jsonl",
                "{\"a\": 1}\n\n{\"a\": \n[1]\n{\"a\": 2}\r",
            ),
            (
                FileFormat::Csv,
                "x.csv",
                "\u{feff}id, name\n1,Anne\n2\n3,\"multi\nline\"\n4,Dan",
            ),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            let mut from_file = FileReader::open_with_limit(&p, format, &csv_opts(), 100).unwrap();
            let mut from_bytes =
                FileReader::from_bytes(&p, text.as_bytes().to_vec(), format, &csv_opts(), 100)
                    .unwrap();
            let events = all(&mut from_bytes);
            assert_eq!(events.len(), 4, "{events:?}");
            assert_eq!(events, all(&mut from_file));
            assert_eq!(from_bytes.total_bytes(), text.len() as u64);
            assert_eq!(from_bytes.bytes_read(), from_bytes.total_bytes());
        }
    }

    #[test]
    fn csv_line_longer_than_the_limit_stops_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, format!("id,name\n1,{}\n", "x".repeat(500))).unwrap();
        // the parser reads ahead, so the limit may trip while the header is read
        let e = match FileReader::open_with_limit(&p, FileFormat::Csv, &csv_opts(), 100) {
            Err(e) => e,
            Ok(mut r) => r.next_event().unwrap_err(),
        };
        assert!(e.to_string().contains("longer than 100 bytes"), "{e}");
    }
}
