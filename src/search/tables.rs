//! Lookup tables of one index generation, read when it opens: the facet
//! values of every paragraph ([`FacetTable`]) and the report each paragraph
//! belongs to ([`ReportNumbers`]).
//!
//! A generation never changes once it is live, so its facet values are read
//! once: every path of the four facet fields (region, donor,
//! sector, year) and its ancestors get a number, and each paragraph keeps the
//! numbers of all its facet values and their ancestors. Counting a query's
//! facets is then one array walk per match, in the same pass that ranks the
//! matches, with no facet dictionary read per search (tantivy's
//! `FacetCollector` resolved every requested facet in the dictionary of every
//! segment, and ran once per requested parent). The counts of the whole
//! index, for browsing without words or filters, are kept ready.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// One facet value of one field, with its place in the tree.
struct Node {
    path: String,
    children: Vec<u32>,
}

/// The facet values of one segment's paragraphs: the node numbers of
/// paragraph `d` are `ids[offsets[d]..offsets[d + 1]]`, ancestors included,
/// each once.
struct SegmentFacets {
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

impl SegmentFacets {
    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        match (self.offsets.get(doc), self.offsets.get(doc + 1)) {
            (Some(&start), Some(&end)) => &self.ids[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// Facet trees of one generation and the facet values of its paragraphs.
pub(crate) struct FacetTable {
    nodes: Vec<Node>,
    /// Top-level nodes of each field.
    roots: Vec<Vec<u32>>,
    /// Node number of each path, per field.
    by_path: Vec<HashMap<String, u32>>,
    segments: Vec<Arc<SegmentFacets>>,
    everything: FacetCounts,
}

/// Which facet values a viewer may be told exist: all of the generation's,
/// or those of the paragraphs a viewer of some groups may read.
pub(crate) enum KnownValues {
    All,
    Counted(Arc<FacetCounts>),
}

impl KnownValues {
    /// Whether `path` of field `kind` is a value the viewer may see.
    pub fn has(&self, table: &FacetTable, kind: usize, path: &str) -> bool {
        match self {
            KnownValues::All => table.knows(kind, path),
            KnownValues::Counted(counts) => table.by_path[kind]
                .get(path)
                .is_some_and(|&id| counts.get(id) > 0),
        }
    }
}

/// How many matching paragraphs have each facet value (or one below it).
#[derive(Debug, Clone, Default)]
pub(crate) struct FacetCounts {
    pub total: u64,
    counts: Vec<u32>,
}

impl FacetCounts {
    fn get(&self, node: u32) -> u64 {
        self.counts.get(node as usize).copied().unwrap_or(0).into()
    }
}

impl FacetTable {
    /// Read the facet values of every segment of `searcher`; `fields` are the
    /// facet field names, in the order callers number them.
    pub fn build(searcher: &Searcher, fields: &[&str]) -> tantivy::Result<FacetTable> {
        let mut table = FacetTable {
            nodes: Vec::new(),
            roots: vec![Vec::new(); fields.len()],
            by_path: vec![HashMap::new(); fields.len()],
            segments: Vec::new(),
            everything: FacetCounts::default(),
        };
        for segment in searcher.segment_readers() {
            // Per field, the nodes (value and ancestors) of each term ordinal.
            let mut readers = Vec::new();
            let mut ord_nodes: Vec<Vec<Vec<u32>>> = Vec::new();
            for (kind, name) in fields.iter().enumerate() {
                let reader = segment.facet_reader(name)?;
                let mut nodes_of_ord = Vec::with_capacity(reader.num_facets());
                let mut terms = reader.facet_dict().stream()?;
                while terms.advance() {
                    let facet = Facet::from_encoded(terms.key().to_vec())
                        .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
                    debug_assert_eq!(terms.term_ord() as usize, nodes_of_ord.len());
                    nodes_of_ord.push(table.intern(kind, &facet.to_path()));
                }
                readers.push(reader);
                ord_nodes.push(nodes_of_ord);
            }
            let max_doc = segment.max_doc();
            let mut facets = SegmentFacets {
                offsets: Vec::with_capacity(max_doc as usize + 1),
                ids: Vec::new(),
            };
            facets.offsets.push(0);
            let mut doc_ids = Vec::new();
            for doc in 0..max_doc {
                doc_ids.clear();
                for (reader, nodes_of_ord) in readers.iter().zip(&ord_nodes) {
                    for ord in reader.facet_ords(doc) {
                        if let Some(nodes) = nodes_of_ord.get(ord as usize) {
                            doc_ids.extend_from_slice(nodes);
                        }
                    }
                }
                doc_ids.sort_unstable();
                doc_ids.dedup();
                facets.ids.extend_from_slice(&doc_ids);
                facets.offsets.push(facets.ids.len() as u32);
            }
            table.segments.push(Arc::new(facets));
        }
        let mut everything = FacetCounts {
            total: 0,
            counts: vec![0; table.nodes.len()],
        };
        for (segment, facets) in searcher.segment_readers().iter().zip(&table.segments) {
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    everything.total += 1;
                    for &id in facets.of(doc) {
                        everything.counts[id as usize] += 1;
                    }
                }
            }
        }
        table.everything = everything;
        Ok(table)
    }

    /// Node numbers of `path` and its ancestors in field `kind`, adding the
    /// missing ones.
    fn intern(&mut self, kind: usize, path: &[&str]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(path.len());
        let mut parent: Option<u32> = None;
        let mut prefix = String::new();
        for part in path {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            let id = match self.by_path[kind].get(&prefix) {
                Some(&id) => id,
                None => {
                    let id = self.nodes.len() as u32;
                    self.nodes.push(Node {
                        path: prefix.clone(),
                        children: Vec::new(),
                    });
                    self.by_path[kind].insert(prefix.clone(), id);
                    match parent {
                        Some(p) => self.nodes[p as usize].children.push(id),
                        None => self.roots[kind].push(id),
                    }
                    id
                }
            };
            ids.push(id);
            parent = Some(id);
        }
        ids
    }

    /// Whether some paragraph has `path` (or a value below it) in field `kind`.
    pub fn knows(&self, kind: usize, path: &str) -> bool {
        self.by_path[kind].contains_key(path)
    }

    /// Every value of field `kind`, at every level.
    pub fn paths(&self, kind: usize) -> impl Iterator<Item = &str> + '_ {
        self.by_path[kind].keys().map(String::as_str)
    }

    /// Counts over every live paragraph of the generation.
    pub fn everything(&self) -> &FacetCounts {
        &self.everything
    }

    /// The values directly below `parent` (`""`: the top level) in field
    /// `kind` that some counted paragraph has, with their counts.
    pub fn children<'a>(
        &'a self,
        kind: usize,
        parent: &str,
        counts: &'a FacetCounts,
    ) -> impl Iterator<Item = (&'a str, u64)> + 'a {
        let children: &[u32] = if parent.is_empty() {
            &self.roots[kind]
        } else {
            self.by_path[kind]
                .get(parent)
                .map_or(&[][..], |&id| &self.nodes[id as usize].children)
        };
        children.iter().filter_map(move |&id| {
            let count = counts.get(id);
            (count > 0).then(|| (self.nodes[id as usize].path.as_str(), count))
        })
    }

    /// A collector counting the facet values of the matches.
    pub fn counter(self: &Arc<Self>) -> CountFacets {
        CountFacets(Arc::clone(self))
    }
}

/// Collector of [`FacetCounts`] (its total is the number of matches).
pub(crate) struct CountFacets(Arc<FacetTable>);

impl Collector for CountFacets {
    type Fruit = FacetCounts;
    type Child = SegmentCounter;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        _segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounter> {
        let facets = self
            .0
            .segments
            .get(segment_ord as usize)
            .cloned()
            .ok_or_else(|| {
                tantivy::TantivyError::InternalError(format!(
                    "facet table has no segment {segment_ord}"
                ))
            })?;
        Ok(SegmentCounter {
            facets,
            counts: FacetCounts {
                total: 0,
                counts: vec![0; self.0.nodes.len()],
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut merged = FacetCounts {
            total: 0,
            counts: vec![0; self.0.nodes.len()],
        };
        for fruit in fruits {
            merged.total += fruit.total;
            for (sum, n) in merged.counts.iter_mut().zip(fruit.counts) {
                *sum += n;
            }
        }
        Ok(merged)
    }
}

pub(crate) struct SegmentCounter {
    facets: Arc<SegmentFacets>,
    counts: FacetCounts,
}

impl SegmentCollector for SegmentCounter {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.counts.total += 1;
        for &id in self.facets.of(doc) {
            self.counts.counts[id as usize] += 1;
        }
    }

    fn harvest(self) -> FacetCounts {
        self.counts
    }
}

/// The report of every paragraph as a number, equal across segments, so
/// that ranking can tell reports apart without reading their ids.
pub(crate) struct ReportNumbers {
    /// Per segment, per paragraph (shared with the collectors that group
    /// matches by report, which must own what they read).
    numbers: Vec<Arc<[u32]>>,
}

impl ReportNumbers {
    /// Number the reports of `searcher` by the string fast field `field`.
    pub fn build(searcher: &Searcher, field: &str) -> tantivy::Result<ReportNumbers> {
        let mut by_id: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut numbers = Vec::new();
        for segment in searcher.segment_readers() {
            let mut of_ord = Vec::new();
            let mut per_doc = vec![u32::MAX; segment.max_doc() as usize];
            if let Some(column) = segment.fast_fields().str(field)? {
                let mut terms = column.dictionary().stream()?;
                while terms.advance() {
                    let next = by_id.len() as u32;
                    of_ord.push(*by_id.entry(terms.key().to_vec()).or_insert(next));
                }
                for (doc, number) in per_doc.iter_mut().enumerate() {
                    if let Some(ord) = column.term_ords(doc as DocId).next() {
                        *number = of_ord.get(ord as usize).copied().unwrap_or(u32::MAX);
                    }
                }
            }
            numbers.push(per_doc.into());
        }
        Ok(ReportNumbers { numbers })
    }

    /// The report numbers of one segment's paragraphs.
    pub fn of_segment(&self, segment: tantivy::SegmentOrdinal) -> Arc<[u32]> {
        self.numbers
            .get(segment as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new()))
    }

    /// The report number of a paragraph (`u32::MAX` if it has none).
    pub fn of(&self, address: tantivy::DocAddress) -> u32 {
        self.numbers
            .get(address.segment_ord as usize)
            .and_then(|docs| docs.get(address.doc_id as usize))
            .copied()
            .unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{FacetOptions, IndexRecordOption, Schema, STRING};
    use tantivy::{doc, Index, IndexWriter, Term};

    /// Two segments, a deleted paragraph, a value with two labels under one
    /// parent: the table counts like tantivy's own facet collector.
    #[test]
    fn counts_agree_with_tantivys_facet_collector() {
        let mut schema = Schema::builder();
        let region = schema.add_facet_field("region", FacetOptions::default());
        let year = schema.add_facet_field("year", FacetOptions::default());
        let tag = schema.add_text_field("tag", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let f = |p: &str| Facet::from(p);
        writer
            .add_document(doc!(region => f("/西藏/日喀则市/白朗县"), region => f("/西藏/日喀则市/江孜县"), year => f("/2020"), tag => "a"))
            .unwrap();
        writer
            .add_document(doc!(region => f("/西藏/昌都市"), year => f("/2019"), tag => "b"))
            .unwrap();
        writer.commit().unwrap();
        writer
            .add_document(doc!(region => f("/山东省"), year => f("/2020"), tag => "a"))
            .unwrap();
        writer
            .add_document(doc!(region => f("/西藏/日喀则市/白朗县"), tag => "gone"))
            .unwrap();
        writer.commit().unwrap();
        writer.delete_term(Term::from_field_text(tag, "gone"));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let table = Arc::new(FacetTable::build(&searcher, &["region", "year"]).unwrap());

        for query in [
            Box::new(AllQuery) as Box<dyn tantivy::query::Query>,
            Box::new(TermQuery::new(
                Term::from_field_text(tag, "a"),
                IndexRecordOption::Basic,
            )),
        ] {
            let ours = searcher.search(query.as_ref(), &table.counter()).unwrap();
            for parent in ["", "西藏", "西藏/日喀则市"] {
                let mut theirs = FacetCollector::for_field("region");
                let facet = if parent.is_empty() {
                    Facet::root()
                } else {
                    Facet::from(&*format!("/{parent}"))
                };
                theirs.add_facet(facet.clone());
                let theirs = searcher.search(query.as_ref(), &theirs).unwrap();
                let expected: Vec<(String, u64)> = theirs
                    .get(facet)
                    .map(|(f, n)| (f.to_path().join("/"), n))
                    .collect();
                let mut got: Vec<(String, u64)> = table
                    .children(0, parent, &ours)
                    .map(|(p, n)| (p.to_string(), n))
                    .collect();
                got.sort();
                assert_eq!(got, expected, "children of {parent:?}");
            }
        }
        let everything = table.everything();
        assert_eq!(everything.total, 3);
        let mut years: Vec<(&str, u64)> = table.children(1, "", everything).collect();
        years.sort();
        assert_eq!(years, vec![("2019", 1), ("2020", 2)]);
        let mut top: Vec<(&str, u64)> = table.children(0, "", everything).collect();
        top.sort();
        assert_eq!(top, vec![("山东省", 1), ("西藏", 2)]);
        assert_eq!(table.children(0, "青海省", everything).count(), 0);
    }

    /// A report's paragraphs get one number wherever their segment, and
    /// different reports different numbers.
    #[test]
    fn report_numbers_agree_across_segments() {
        let mut schema = Schema::builder();
        let report = schema.add_text_field("report_id", STRING | tantivy::schema::FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(doc!(report => "a")).unwrap();
        writer.add_document(doc!(report => "b")).unwrap();
        writer.commit().unwrap();
        writer.add_document(doc!(report => "b")).unwrap();
        writer.add_document(doc!()).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let numbers = ReportNumbers::build(&searcher, "report_id").unwrap();
        let at = |segment: u32, doc: u32| numbers.of(tantivy::DocAddress::new(segment, doc));
        // Segment order is not commit order: the second commit's segment is
        // the one with a paragraph without a report.
        let (first, second) = if at(1, 1) == u32::MAX { (0, 1) } else { (1, 0) };
        assert_eq!(at(second, 1), u32::MAX, "a paragraph without a report");
        assert_ne!(at(first, 0), at(first, 1));
        assert_ne!(at(first, 0), u32::MAX);
        assert_eq!(at(first, 1), at(second, 0));
        assert_eq!(at(7, 0), u32::MAX, "an unknown segment");
    }
}
