//! A readable view of a transcript with many classes: nodes that differ only
//! in a class index form a family, shown once with `k` in place of the index;
//! long sums are shortened. The result table still lists every class.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::transcript::{BackwardNode, ForwardNode, Transcript};

/// Stands for inputs left out of a compact view.
pub const ELIDED: usize = usize::MAX;

/// Transcripts with more inputs than this are shown compactly.
pub const COMPACT_AFTER: usize = 5;

/// Whether `t` is shown compactly: more than [`COMPACT_AFTER`] inputs, none
/// an entry of a family with two indices (`W1_2`, whose class index is not
/// one number); those are shown in full.
pub fn applies(t: &Transcript) -> bool {
    let entry = |name: &str| {
        name.split_once('_').is_some_and(|(row, col)| {
            row.ends_with(|c: char| c.is_ascii_digit())
                && !col.is_empty()
                && col.chars().all(|c| c.is_ascii_digit())
        })
    };
    t.inputs.len() > COMPACT_AFTER && !t.inputs.iter().any(|i| entry(i))
}

/// The numeric suffixes of the identifiers in `text` (`a1`, `y12` → 1, 12).
fn suffixes(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let stem = word.trim_end_matches(|c: char| c.is_ascii_digit());
        if !stem.is_empty()
            && stem.len() < word.len()
            && stem.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        {
            out.insert(word[stem.len()..].to_string());
        }
    }
    out
}

/// `text` with every identifier ending in `index` written with `_k` instead.
fn templated(text: &str, index: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let stem = word.trim_end_matches(|c: char| c.is_ascii_digit());
        let starts_alpha = stem.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts_alpha && stem.len() < word.len() && &word[stem.len()..] == index {
            out.push_str(stem);
            out.push_str("_k");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Shortens sums of more than six terms: `t1 + t2 + ... + t30`; equations
/// and `label: text` are shortened side by side.
pub fn abbreviate(text: &str) -> String {
    for sep in [": ", " = "] {
        if text.contains(sep) {
            return text
                .split(sep)
                .map(abbreviate)
                .collect::<Vec<_>>()
                .join(sep);
        }
    }
    abbreviate_sum(text)
}

fn abbreviate_sum(text: &str) -> String {
    // Split at top-level ` + ` / ` - `, recursing into parentheses.
    let chars: Vec<char> = text.chars().collect();
    let mut parts: Vec<String> = Vec::new();
    let mut seps: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0
                && i + 2 < chars.len()
                && (chars[i + 1] == '+' || chars[i + 1] == '-')
                && chars[i + 2] == ' ' =>
            {
                parts.push(chars[start..i].iter().collect());
                seps.push(if chars[i + 1] == '+' { " + " } else { " - " });
                i += 3;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(chars[start..].iter().collect());
    let parts: Vec<String> = parts.iter().map(|p| abbreviate_groups(p)).collect();
    if parts.len() <= 6 {
        let mut out = parts[0].clone();
        for (s, p) in seps.iter().zip(&parts[1..]) {
            out.push_str(s);
            out.push_str(p);
        }
        return out;
    }
    let last = parts.len() - 1;
    format!(
        "{}{}{}{}...{}{}",
        parts[0],
        seps[0],
        parts[1],
        seps[1],
        seps[last - 1],
        parts[last]
    )
}

/// Applies [`abbreviate`] inside every parenthesised group of `text`.
fn abbreviate_groups(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '(' {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '(' {
                    depth += 1;
                } else if chars[j] == ')' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
            out.push('(');
            out.push_str(&abbreviate(&inner));
            if j < chars.len() {
                out.push(')');
            }
            i = j + 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn strip_ids(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for key in ["id", "from", "to", "inputs"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_ids);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

fn map_strings(v: &mut Value, f: &dyn Fn(&str) -> String) {
    match v {
        Value::String(s) => *s = f(s),
        Value::Object(map) => map.values_mut().for_each(|x| map_strings(x, f)),
        Value::Array(items) => items.iter_mut().for_each(|x| map_strings(x, f)),
        _ => {}
    }
}

/// One member per family, in place of the others, with `k` for its index;
/// every string shortened where it is a long sum.
fn collapse<T: serde::Serialize + serde::de::DeserializeOwned>(
    items: &[T],
    value: impl Fn(&T) -> String,
) -> Vec<T> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for item in items {
        let v = serde_json::to_value(item).expect("a transcript part serialises");
        let index = suffixes(&value(item));
        let (mut shown, key) = if index.len() == 1 {
            let index = index.into_iter().next().expect("one index");
            let mut shown = v.clone();
            map_strings(&mut shown, &|s| templated(s, &index));
            let mut key = shown.clone();
            strip_ids(&mut key);
            (shown, key.to_string())
        } else {
            let mut key = v.clone();
            strip_ids(&mut key);
            (v, key.to_string())
        };
        if !seen.insert(key) {
            continue;
        }
        map_strings(&mut shown, &|s| abbreviate(s));
        out.push(serde_json::from_value(shown).expect("a transcript part deserialises"));
    }
    out
}

/// The compact view: families collapsed, sums shortened; agreements kept whole.
pub fn compact(t: &Transcript) -> Transcript {
    let mut forward: Vec<ForwardNode> = collapse(&t.forward, |n: &ForwardNode| n.value.clone());
    let kept: BTreeSet<usize> = forward.iter().map(|n| n.id).collect();
    for n in &mut forward {
        let before = n.inputs.len();
        n.inputs.retain(|i| kept.contains(i));
        if n.inputs.len() < before {
            n.inputs.push(ELIDED);
        }
    }
    let value_of = |id: usize| {
        t.forward
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.value.clone())
            .unwrap_or_default()
    };
    let mut backward: Vec<BackwardNode> = collapse(&t.backward, |n: &BackwardNode| n.value.clone());
    for b in &mut backward {
        b.edges = collapse(&b.edges, |e| value_of(e.to));
        if b.arriving.len() > 6 {
            let last = b.arriving.len() - 1;
            b.arriving = vec![
                b.arriving[0].clone(),
                b.arriving[1].clone(),
                "...".into(),
                b.arriving[last].clone(),
            ];
        }
    }
    let mut definitions = t.definitions.clone();
    for d in &mut definitions {
        d.expr = abbreviate(&d.expr);
    }
    let mut seen = BTreeSet::new();
    definitions.retain(|d| {
        let index = suffixes(&d.name);
        let key = match index.iter().next() {
            Some(i) if index.len() == 1 => templated(&format!("{} = {}", d.name, d.expr), i),
            _ => format!("{} = {}", d.name, d.expr),
        };
        seen.insert(key)
    });
    for d in &mut definitions {
        let index = suffixes(&d.name);
        if let (Some(i), 1) = (index.iter().next().cloned(), index.len()) {
            d.name = templated(&d.name, &i);
            d.expr = templated(&d.expr, &i);
        }
    }
    Transcript {
        title: t.title.clone(),
        definitions,
        assumptions: t.assumptions.iter().map(|a| abbreviate(a)).collect(),
        output: t.output.clone(),
        inputs: t.inputs.clone(),
        forward,
        backward,
        agreements: t.agreements.clone(),
        general: t.general.clone(),
        refuted: t.refuted.clone(),
        // A family is shown by its first member, whose id the layers hold.
        layers: t.layers.clone(),
    }
}
