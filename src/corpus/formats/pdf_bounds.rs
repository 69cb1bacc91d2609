//! The bounds a PDF is held to before lopdf and pdf-extract read it, and
//! page by page while they do. Both parsers hold everything they read in
//! memory, and both cost far more memory than the bytes they read:
//!
//! * a stream is inflated whole (and copied again when a page's streams are
//!   joined), so its decoded size is what matters, not its size on disk;
//! * object syntax (`[1 2 3 4]`) becomes lopdf objects at up to 60 times
//!   its size, and object streams are inflated and parsed so at load;
//! * a page's content stream becomes pdf-extract operations at up to 95
//!   times its decoded size (measured: 16 MiB of `BT … Tj ET` took 1.5 GB).
//!
//! So, before the parse: nesting depth, object syntax, and what every
//! stream would decode to ([`scan`], from the bytes, through chains of the
//! decoders lopdf has, holding one layer at a time); after lopdf's load and before pdf-extract:
//! every stream's exact decoded size, from lopdf's own view of its filters
//! ([`decoded_len`]), and each page's content with the forms it draws
//! ([`page_content_len`]); images, which pdf-extract would parse as content
//! when a page draws them, are emptied ([`drop_unread_streams`]).

use std::collections::HashSet;
use std::io::{Read, Write};

use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

use super::{find_bytes, MAX_PDF_STREAM_BYTES};

/// What [`scan`] found in a PDF's bytes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Scan {
    /// Deepest nesting of arrays and dictionaries.
    pub depth: usize,
    /// Bytes of object syntax: everything outside stream data, and what
    /// object streams inflate to.
    pub syntax: u64,
    /// What the streams decode to, in all (each its largest layer).
    pub inflated: u64,
    /// The widest field a stream's `/W` array declares (cross-reference
    /// streams: lopdf allocates a buffer of each width before reading).
    pub widest_field: u64,
    /// What the largest stream decodes to.
    pub largest: u64,
}

/// Measure a PDF's bytes: nesting of arrays (`[`) and dictionaries (`<<`)
/// outside literal strings, comments and stream data (an upper bound of
/// what lopdf recurses through; hex strings are not counted, a `>>` or `]`
/// too many is ignored), object syntax, and what each stream inflates to
/// (see [`Scan`]). Stream data starts after `stream` and its end of line
/// and is decoded from there ([`inflated_len`]), to its own end or the
/// file's, so a stray `endstream` inside it hides nothing; it ends at its
/// direct `/Length` when that lands on `endstream`, else at the next
/// `endstream`. The scan stops once the syntax passes `syntax_limit` or
/// the streams pass `inflated_limit` (the figures are then just past them).
pub(super) fn scan(bytes: &[u8], syntax_limit: u64, inflated_limit: u64) -> Scan {
    let mut found = Scan::default();
    let (mut depth, mut i) = (0usize, 0usize);
    // Where the current object's dictionary text starts (after `obj`).
    let mut object_start = 0usize;
    // Start of the syntax not yet counted.
    let mut counted_to = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'%' => {
                while i < bytes.len() && !matches!(bytes[i], b'\r' | b'\n') {
                    i += 1;
                }
            }
            b'(' => {
                // A literal string: balanced parentheses, backslash escapes.
                let mut open = 0usize;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'(' => open += 1,
                        b')' => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            // `12 0 obj`: the object's dictionary text starts after it.
            b'o' if bytes[i..].starts_with(b"obj")
                && i >= 2
                && bytes[i - 1].is_ascii_whitespace()
                && bytes[i - 2].is_ascii_digit() =>
            {
                object_start = i + 3;
            }
            b's' if bytes[i..].starts_with(b"stream")
                && (i == 0 || matches!(bytes[i - 1], b'>' | b' ' | b'\t' | b'\r' | b'\n'))
                && matches!(bytes.get(i + 6), Some(b'\r' | b'\n' | b' ')) =>
            {
                let dictionary = &bytes[object_start.min(i)..i];
                found.widest_field = found.widest_field.max(widest_field(dictionary));
                let start = data_start(bytes, i + 6);
                found.syntax += (start - counted_to) as u64;
                let room = inflated_limit
                    .saturating_add(1)
                    .saturating_sub(found.inflated);
                let cap = room.min(MAX_PDF_STREAM_BYTES + 1);
                let end = data_end(bytes, start, direct_length(dictionary));
                // A chain is decoded as named, from the data's start to
                // wherever its first filter stops (ASCII85 at `~>`, the
                // others at their own end), with LZW's early change or
                // without.
                let inflated = match named_chain(dictionary) {
                    Some(chain) => {
                        let chain: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
                        let data = &bytes[start..];
                        chain_len(data, &chain, true, cap).max(chain_len(data, &chain, false, cap))
                    }
                    None => inflated_len(&bytes[start..], cap),
                };
                found.inflated += inflated;
                found.largest = found.largest.max(inflated);
                if names(dictionary).any(|n| n == b"ObjStm") {
                    found.syntax += inflated;
                }
                counted_to = end;
                i = end + b"endstream".len();
                deepest(&mut found, depth);
                if found.syntax > syntax_limit
                    || found.inflated > inflated_limit
                    || found.largest > MAX_PDF_STREAM_BYTES
                {
                    return found;
                }
                continue;
            }
            _ => {}
        }
        deepest(&mut found, depth);
        i += 1;
        // Syntax since the last stream, not yet added.
        let pending = i.saturating_sub(counted_to) as u64;
        if found.syntax + pending > syntax_limit {
            found.syntax += pending;
            return found;
        }
    }
    found.syntax += bytes.len().saturating_sub(counted_to) as u64;
    found
}

fn deepest(found: &mut Scan, depth: usize) {
    found.depth = found.depth.max(depth);
}

/// Where stream data starts: after the end of line that follows `stream`
/// (at `after`, just past the keyword).
fn data_start(bytes: &[u8], after: usize) -> usize {
    // lopdf allows spaces between the keyword and the end of line.
    let spaces = bytes[after..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let rest = &bytes[after + spaces..];
    let eol = if rest.starts_with(b"\r\n") {
        2
    } else {
        usize::from(rest.starts_with(b"\n") || rest.starts_with(b"\r"))
    };
    after + spaces + eol
}

/// Where stream data ends: at its direct `/Length` when `endstream`
/// follows there (after an optional end of line), else at the first
/// `endstream` after `start`, else at the end of the file.
fn data_end(bytes: &[u8], start: usize, length: Option<usize>) -> usize {
    if let Some(end) = length.and_then(|n| start.checked_add(n)) {
        if let Some(rest) = bytes.get(end..) {
            let eol = rest
                .iter()
                .take(2)
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            if rest[eol..].starts_with(b"endstream") {
                return end + eol;
            }
        }
    }
    find_bytes(&bytes[start..], b"endstream").map_or(bytes.len(), |at| start + at)
}

/// The `/Length` of a stream's dictionary text, when it is a plain number
/// (not a reference, `12 0 R`).
fn direct_length(dictionary: &[u8]) -> Option<usize> {
    let at = find_bytes(dictionary, b"/Length")? + b"/Length".len();
    let rest = &dictionary[at..];
    // `/Length1`, `/LengthX`: another key.
    if rest.first().is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let tokens: Vec<&[u8]> = rest
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .take(3)
        .collect();
    let number = |t: &[u8]| -> Option<usize> {
        let digits: Vec<u8> = t.iter().copied().take_while(u8::is_ascii_digit).collect();
        (!digits.is_empty() && digits.len() == t.len())
            .then(|| std::str::from_utf8(&digits).ok()?.parse().ok())
            .flatten()
    };
    match tokens.as_slice() {
        [n, g, r, ..] if number(g).is_some() && r.starts_with(b"R") => {
            let _ = n;
            None
        }
        [n, ..] => {
            // `/Length 120>>` and the like.
            let digits: Vec<u8> = n.iter().copied().take_while(u8::is_ascii_digit).collect();
            std::str::from_utf8(&digits).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// The largest number in the `/W` array of some dictionary text (0 when it
/// has none): the field widths of a cross-reference stream, in bytes.
fn widest_field(dictionary: &[u8]) -> u64 {
    let mut widest = 0;
    let mut rest = dictionary;
    while let Some(at) = rest.iter().position(|b| *b == b'/') {
        rest = &rest[at + 1..];
        let end = name_end(rest);
        let is_w = decode_name(&rest[..end]) == b"W";
        rest = &rest[end..];
        let Some(array) = rest.trim_ascii_start().strip_prefix(b"[").filter(|_| is_w) else {
            continue;
        };
        let array = &array[..array.iter().position(|b| *b == b']').unwrap_or(array.len())];
        for token in array.split(|b| b.is_ascii_whitespace()) {
            let digits = token.strip_prefix(b"-").unwrap_or(token);
            if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
                // Past u64 is past any bound.
                let n = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                widest = widest.max(n);
            }
        }
    }
    widest
}

/// Where a name that starts `token` (past its `/`) ends.
fn name_end(token: &[u8]) -> usize {
    token
        .iter()
        .position(|b| b.is_ascii_whitespace() || b"/[]<>(){}%".contains(b) || *b == 0)
        .unwrap_or(token.len())
}

/// A name's bytes with its `#xx` escapes decoded, as lopdf reads it.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut name = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        let hex = raw
            .get(k + 1..k + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[k], hex) {
            (b'#', Some(byte)) => {
                name.push(byte);
                k += 3;
            }
            (byte, _) => {
                name.push(byte);
                k += 1;
            }
        }
    }
    name
}

/// The names (`/Name`, `#xx` escapes decoded) in some dictionary text.
fn names(text: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    text.split(|b| *b == b'/')
        .skip(1)
        .map(|token| decode_name(&token[..name_end(token)]))
}

/// A writer that counts what it is given and refuses past `cap` bytes,
/// keeping nothing (or, with `keep`, keeping what it counted).
struct Capped {
    written: u64,
    cap: u64,
    keep: Option<Vec<u8>>,
}

impl Capped {
    fn new(cap: u64, keep: bool) -> Capped {
        Capped {
            written: 0,
            cap,
            keep: keep.then(Vec::new),
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.cap.saturating_sub(self.written);
        if room == 0 {
            return Err(std::io::Error::other("past the bound"));
        }
        let n = buf.len().min(room.try_into().unwrap_or(usize::MAX));
        if let Some(kept) = &mut self.keep {
            kept.extend_from_slice(&buf[..n]);
        }
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// zlib data from the start of `data` to its own end, decoded into `out`
/// (a damaged stream gives what it gave before the damage, as lopdf does).
fn inflate(data: &[u8], out: &mut Capped) {
    let mut decoder = flate2::read::ZlibDecoder::new(data);
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match decoder.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if out.write_all(&buffer[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// LZW data (PDF's, most significant bit first) decoded into `out`, with or
/// without the early change of code width.
fn unlzw(data: &[u8], early_change: bool, out: &mut Capped) {
    let mut decoder = if early_change {
        weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
    } else {
        weezl::decode::Decoder::new(weezl::BitOrder::Msb, 8)
    };
    let _ = decoder.into_stream(out).decode_all(data);
}

/// What the data at the start of `data` inflates to as zlib or as LZW (the
/// larger), counted up to `cap` bytes. Data that is neither fails at its
/// first bytes and counts (almost) nothing, so no filter name is needed:
/// this holds for a stream whatever its dictionary says, even one lopdf
/// takes for a cross-reference stream without its saying so.
pub(super) fn inflated_len(data: &[u8], cap: u64) -> u64 {
    let mut most = 0;
    let zlib = |out: &mut Capped| inflate(data, out);
    let lzw = |out: &mut Capped| unlzw(data, true, out);
    let lzw_late = |out: &mut Capped| unlzw(data, false, out);
    for decode in [&zlib as &dyn Fn(&mut Capped), &lzw, &lzw_late] {
        let mut out = Capped::new(cap, false);
        decode(&mut out);
        most = most.max(out.written);
    }
    most
}

/// ASCII85 data (`z` for four zeros) decoded into `out`, as lopdf does:
/// whitespace is skipped and the first other character outside the
/// alphabet (`~` of the end marker) ends it. lopdf errs on a `z` inside a
/// group, or a group past 32 bits, where this one goes on: an upper bound.
fn unascii85(data: &[u8], out: &mut Capped) {
    let (mut group, mut count) = (0u32, 0);
    for &c in data {
        let digit = match c {
            b'z' if count == 0 => {
                if out.write_all(&[0; 4]).is_err() {
                    return;
                }
                continue;
            }
            b'!'..=b'u' => u32::from(c - b'!'),
            c if c.is_ascii_whitespace() => continue,
            _ => break,
        };
        group = group.wrapping_mul(85).wrapping_add(digit);
        count += 1;
        if count == 5 {
            if out.write_all(&group.to_be_bytes()).is_err() {
                return;
            }
            (group, count) = (0, 0);
        }
    }
    if count > 1 {
        for _ in count..5 {
            group = group.wrapping_mul(85).wrapping_add(84);
        }
        let _ = out.write_all(&group.to_be_bytes()[..count - 1]);
    }
}

/// What pdf-extract gets when it decodes `stream` (lopdf's
/// `decompressed_content`, or the raw content when lopdf cannot decode a
/// filter), counted up to `cap` bytes.
pub(super) fn decoded_len(stream: &Stream, cap: u64) -> u64 {
    let Ok(filters) = stream.filters() else {
        return stream.content.len() as u64;
    };
    let early_change = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .ok()
        .is_none_or(|v| v != 0);
    chain_len(&stream.content, &filters, early_change, cap)
}

/// What `data` decodes to through `filters` in order, as lopdf decodes them
/// (zlib, LZW, ASCII85; with any other filter lopdf keeps the raw data),
/// counted up to `cap` bytes; intermediate layers hold at most `cap` bytes.
fn chain_len(data: &[u8], filters: &[&[u8]], early_change: bool, cap: u64) -> u64 {
    if filters
        .iter()
        .any(|f| !matches!(*f, b"FlateDecode" | b"LZWDecode" | b"ASCII85Decode"))
    {
        return data.len() as u64;
    }
    let mut data = std::borrow::Cow::Borrowed(data);
    for (k, filter) in filters.iter().enumerate() {
        let last = k + 1 == filters.len();
        let mut out = Capped::new(cap, !last);
        match *filter {
            b"FlateDecode" => inflate(&data, &mut out),
            b"LZWDecode" => unlzw(&data, early_change, &mut out),
            _ => unascii85(&data, &mut out),
        }
        if last || out.written >= cap {
            return out.written;
        }
        data = std::borrow::Cow::Owned(out.keep.unwrap_or_default());
    }
    data.len() as u64
}

/// The filters a stream's dictionary text names, when it names a chain of
/// them (`/Filter [/ASCII85Decode /FlateDecode]`) or ASCII85 alone: what
/// [`inflated_len`]'s guess at one layer of zlib or LZW would miss.
fn named_chain(dictionary: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut rest = dictionary;
    while let Some(at) = rest.iter().position(|b| *b == b'/') {
        rest = &rest[at + 1..];
        let end = name_end(rest);
        let is_filter = decode_name(&rest[..end]) == b"Filter";
        rest = &rest[end..];
        if !is_filter {
            continue;
        }
        let value = rest.trim_ascii_start();
        let filters: Vec<Vec<u8>> = match value.strip_prefix(b"[") {
            Some(array) => {
                let array = &array[..array.iter().position(|b| *b == b']').unwrap_or(array.len())];
                names(array).collect()
            }
            // One name; anything else (a reference) lopdf does not decode.
            None if value.starts_with(b"/") => names(value).take(1).collect(),
            None => return None,
        };
        let a85 = filters.iter().any(|f| f == b"ASCII85Decode");
        return (filters.len() > 1 || a85).then_some(filters);
    }
    None
}

/// Empty the streams pdf-extract decodes but takes no text from: images
/// (drawn with `Do`, pdf-extract parses their pixels as page content) and
/// TrueType font programs (decoded and thrown away). Their raw bytes are
/// freed too.
pub(super) fn drop_unread_streams(doc: &mut Document) {
    let mut fonts = HashSet::new();
    for object in doc.objects.values() {
        if let Ok(descriptor) = object.as_dict() {
            if let Ok(id) = descriptor.get(b"FontFile2").and_then(Object::as_reference) {
                fonts.insert(id);
            }
        }
    }
    for (id, object) in doc.objects.iter_mut() {
        if let Object::Stream(stream) = object {
            let image = stream
                .dict
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Image");
            if image || fonts.contains(id) {
                stream.set_plain_content(Vec::new());
            }
        }
    }
}

/// What one page makes pdf-extract parse as content: its content streams
/// and the form XObjects its resources (and theirs) name, decoded, counted
/// up to `cap` (`sizes` gives each stream's decoded size).
pub(super) fn page_content_len(
    doc: &Document,
    page: ObjectId,
    sizes: &std::collections::HashMap<ObjectId, u64>,
    cap: u64,
) -> u64 {
    let size = |id: &ObjectId| sizes.get(id).copied().unwrap_or(0);
    let mut total: u64 = doc.get_page_contents(page).iter().map(size).sum();
    let mut seen = HashSet::new();
    let mut resources: Vec<&Dictionary> = Vec::new();
    if let Ok((own, inherited)) = doc.get_page_resources(page) {
        resources.extend(own);
        resources.extend(
            inherited
                .iter()
                .filter_map(|id| doc.get_dictionary(*id).ok()),
        );
    }
    while let Some(dictionary) = resources.pop() {
        if total > cap {
            break;
        }
        let Some(xobjects) = dictionary
            .get(b"XObject")
            .ok()
            .and_then(|x| deref(doc, x))
            .and_then(|x| x.as_dict().ok())
        else {
            continue;
        };
        for (_, entry) in xobjects.iter() {
            let Ok(id) = entry.as_reference() else {
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            let Ok(form) = doc.get_object(id).and_then(Object::as_stream) else {
                continue;
            };
            total += size(&id);
            if let Some(inner) = form
                .dict
                .get(b"Resources")
                .ok()
                .and_then(|r| deref(doc, r))
                .and_then(|r| r.as_dict().ok())
            {
                resources.push(inner);
            }
        }
    }
    total
}

/// `object`, or what it refers to.
fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        direct => Some(direct),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn ascii85(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let mut n = u32::from_be_bytes(word);
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = (n % 85) as u8 + b'!';
                n /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        out.extend_from_slice(b"~>");
        out
    }

    fn lzw(data: &[u8]) -> Vec<u8> {
        weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(data)
            .unwrap()
    }

    #[test]
    fn nesting_is_measured_outside_strings_comments_and_streams() {
        let depth = |b: &[u8]| scan(b, u64::MAX, u64::MAX).depth;
        assert_eq!(depth(b"<< /A [1 [2] << /B 3 >>] >>"), 3);
        assert_eq!(depth(b"[ (a[[[\\) [[[) ] % [[[[[\n[]"), 1);
        assert_eq!(depth(b"<< >>\nstream\n[[[[[[[[\nendstream [ ]"), 1);
        assert_eq!(depth(&[b'['; 100_000]), 100_000);
    }

    #[test]
    fn streams_count_what_they_inflate_to_and_syntax_what_is_left() {
        let zeros = zlib(&[0; 300_000]);
        let mut pdf = b"1 0 obj\n<< /Length ".to_vec();
        pdf.extend_from_slice(format!("{} >>\nstream\n", zeros.len()).as_bytes());
        pdf.extend_from_slice(&zeros);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        let found = scan(&pdf, u64::MAX, u64::MAX);
        assert_eq!(found.inflated, 300_000);
        assert_eq!(found.largest, 300_000);
        assert_eq!(found.syntax as usize, pdf.len() - zeros.len() - 1);
        // LZW counts as much as zlib.
        let mut pdf = b"<< >>\nstream\n".to_vec();
        pdf.extend_from_slice(&lzw(&[b'x'; 200_000]));
        pdf.extend_from_slice(b"\nendstream\n");
        assert_eq!(scan(&pdf, u64::MAX, u64::MAX).inflated, 200_000);
        // An object stream's inflated bytes are syntax (its type found
        // through a `#` escape, as lopdf reads names).
        let mut pdf = b"2 0 obj << /Type /Obj#53tm >>\nstream\n".to_vec();
        pdf.extend_from_slice(&zlib(&[7; 100_000]));
        pdf.extend_from_slice(b"\nendstream\n");
        let found = scan(&pdf, u64::MAX, u64::MAX);
        assert_eq!(found.inflated, 100_000);
        assert!(found.syntax >= 100_000, "{found:?}");
    }

    #[test]
    fn chained_filters_count_what_their_last_layer_gives() {
        // zlib twice, and ASCII85 of zlib: one layer guessed is small.
        let stream = |filter: &str, data: Vec<u8>| {
            let mut pdf =
                format!("1 0 obj << /Type /ObjStm /Filter {filter} >>\nstream\n").into_bytes();
            pdf.extend_from_slice(&data);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
            scan(&pdf, u64::MAX, u64::MAX)
        };
        let spaces = zlib(&vec![b' '; 20 << 20]);
        let found = stream("[/FlateDecode /FlateDecode]", zlib(&spaces));
        assert!(found.largest > MAX_PDF_STREAM_BYTES, "{found:?}");
        let found = stream("[ /ASCII85Decode\n/Flate#44ecode ]", ascii85(&spaces));
        assert!(found.largest > MAX_PDF_STREAM_BYTES, "{found:?}");
        // ASCII85 alone: `z` is four zero bytes.
        let found = stream("/ASCII85Decode", b"zzzzzzzzzz~>".to_vec());
        assert_eq!(found.largest, 40, "{found:?}");
        assert_eq!(
            named_chain(b"<< /Filter /FlateDecode /Length 5 >>"),
            None,
            "one filter: guessed"
        );
    }

    #[test]
    fn the_scan_stops_past_a_bound() {
        let syntax = b"[1 2 3 4] ".repeat(100_000);
        let found = scan(&syntax, 1000, u64::MAX);
        assert!(found.syntax > 1000 && found.syntax < 2000, "{found:?}");
        let mut pdf = Vec::new();
        for _ in 0..4 {
            pdf.extend_from_slice(b"<< >>\nstream\n");
            pdf.extend_from_slice(&zlib(&[0; 1 << 20]));
            pdf.extend_from_slice(b"\nendstream\n");
        }
        let found = scan(&pdf, u64::MAX, (2 << 20) + 10);
        assert!(
            found.inflated > 2 << 20 && found.inflated <= 3 << 20,
            "{found:?}"
        );
    }

    #[test]
    fn cross_reference_field_widths_are_read() {
        assert_eq!(widest_field(b"<< /Type /XRef /W [1 2 1] /Size 3 >>"), 2);
        assert_eq!(
            widest_field(b"<</W[1 100000000000000 1]>>"),
            100_000_000_000_000
        );
        assert_eq!(
            widest_field(b"<< /#57 [1 99999999999999999999999 1] >>"),
            u64::MAX
        );
        assert_eq!(widest_field(b"<< /Width 5000 /Length 3 >>"), 0);
        let mut pdf =
            b"1 0 obj\n<< /Type /XRef /W [1 4000000000 1] /Length 3 >>\nstream\n".to_vec();
        pdf.extend_from_slice(b"\x01\x00\x00\nendstream\nendobj\n");
        assert_eq!(scan(&pdf, u64::MAX, u64::MAX).widest_field, 4_000_000_000);
    }

    #[test]
    fn direct_lengths_and_references() {
        assert_eq!(direct_length(b"<< /Length 120 >>"), Some(120));
        assert_eq!(direct_length(b"<</Length 120>>"), Some(120));
        assert_eq!(direct_length(b"<< /Length 12 0 R >>"), None);
        assert_eq!(direct_length(b"<< /Length1 5 >>"), None);
        let names: Vec<Vec<u8>> = names(b"<< /Type /Obj#53tm /N 3 >>").collect();
        assert_eq!(names[1], b"ObjStm");
    }

    #[test]
    fn decoded_length_follows_the_filters_and_stops_at_the_cap() {
        let stream = |filters: &[&str], content: Vec<u8>| {
            let mut dict = Dictionary::new();
            let names = filters
                .iter()
                .map(|f| Object::Name(f.as_bytes().to_vec()))
                .collect();
            dict.set("Filter", Object::Array(names));
            Stream::new(dict, content)
        };
        let text = b"BT (a) Tj ET\n".repeat(10_000);
        assert_eq!(
            decoded_len(&stream(&["FlateDecode"], zlib(&text)), u64::MAX),
            text.len() as u64
        );
        assert_eq!(
            decoded_len(&stream(&["FlateDecode"], zlib(&text)), 100),
            100
        );
        assert_eq!(
            decoded_len(&stream(&["LZWDecode"], lzw(&text)), u64::MAX),
            text.len() as u64
        );
        // ASCII85 of zlib, as PostScript-made PDFs have it.
        let chained = stream(&["ASCII85Decode", "FlateDecode"], ascii85(&zlib(&text)));
        assert_eq!(decoded_len(&chained, u64::MAX), text.len() as u64);
        assert_eq!(
            chained.decompressed_content().unwrap().len(),
            text.len(),
            "lopdf agrees"
        );
        // A filter lopdf cannot decode: pdf-extract takes the raw bytes.
        assert_eq!(
            decoded_len(&stream(&["DCTDecode"], vec![1; 50]), u64::MAX),
            50
        );
    }
}
