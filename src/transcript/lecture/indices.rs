//! Index names in the lecture's forms: a sum that reuses an index in use is
//! renamed, capture-free, to a fresh index of the same range, and a form
//! whose sums still shadow an index is found (it would read wrongly).

use std::collections::BTreeSet;

use egg::{RecExpr, Symbol};

use super::mentions;
use crate::language::Math;
use crate::print::to_infix;

/// `text` with every sum that binds an index already in use (free in the
/// term, or bound by a sum around it) renamed to a fresh index of the same
/// range: `i` when it is free to take, else the index's next numbered
/// variant (`j2`). Renaming a bound index changes no value, and every form
/// shown is proved afterwards as it is written.
pub(super) fn unshadow(
    text: &str,
    parse: &dyn Fn(&str) -> Option<RecExpr<Math>>,
    ranges: &crate::index::Ranges,
    taken: &BTreeSet<Symbol>,
) -> Option<String> {
    let e = parse(text)?;
    let root = egg::Id::from(e.as_ref().len() - 1);
    let mut avoid = taken.clone();
    avoid.extend(mentions(&e));
    let mut used: Vec<Symbol> = crate::index::free_indices(&e, root).into_iter().collect();
    let mut out = Vec::new();
    copy_unshadowed(&e, root, &mut used, &mut avoid, ranges, &mut out);
    Some(to_infix(&RecExpr::from(out)))
}

fn copy_unshadowed(
    e: &RecExpr<Math>,
    id: egg::Id,
    used: &mut Vec<Symbol>,
    avoid: &mut BTreeSet<Symbol>,
    ranges: &crate::index::Ranges,
    out: &mut Vec<Math>,
) -> egg::Id {
    let push = |out: &mut Vec<Math>, node: Math| {
        out.push(node);
        egg::Id::from(out.len() - 1)
    };
    if let Math::Sum([b, body]) = &e[id] {
        if let Math::Var(bound) = e[*b] {
            let (term, body, name) = if used.contains(&bound) {
                let i = Symbol::from("i");
                let fresh =
                    if !avoid.contains(&i) && !used.contains(&i) && ranges.same_range(i, bound) {
                        i
                    } else {
                        crate::index::fresh(bound, avoid)
                    };
                avoid.insert(fresh);
                let renamed = crate::index::substitute(e, *body, bound, fresh);
                let root = egg::Id::from(renamed.as_ref().len() - 1);
                (renamed, root, fresh)
            } else {
                (e.clone(), *body, bound)
            };
            used.push(name);
            let body = copy_unshadowed(&term, body, used, avoid, ranges, out);
            used.pop();
            let b = push(out, Math::Var(name));
            return push(out, Math::Sum([b, body]));
        }
    }
    let node = e[id].clone();
    let mut children = Vec::new();
    for c in egg::Language::children(&node) {
        children.push(copy_unshadowed(e, *c, used, avoid, ranges, out));
    }
    let mut at = 0;
    let node = egg::Language::map_children(node, |_| {
        at += 1;
        children[at - 1]
    });
    push(out, node)
}

/// Whether a sum below `id` binds an index already in use in `used` (free, or bound above).
pub(super) fn shadows(e: &RecExpr<Math>, id: egg::Id, used: &mut Vec<Symbol>) -> bool {
    let node = &e[id];
    if let Math::Sum([i, body]) = node {
        let Math::Var(b) = &e[*i] else {
            return false;
        };
        if used.contains(b) {
            return true;
        }
        used.push(*b);
        let found = shadows(e, *body, used);
        used.pop();
        return found;
    }
    egg::Language::children(node)
        .iter()
        .any(|c| shadows(e, *c, used))
}
