//! The shape every EC2 Describe shares: `<Id>.N` looked up (an unknown id
//! is its family's NotFound), `Filter.N` checked and applied, one page of
//! the rendered items, and `<nextToken>` when there is another.
//!
//! A family with nothing else to do calls [`Describe::run`]; one that
//! settles what it shows or adds lookups of its own (NAT gateways, route
//! tables, addresses, security groups) uses the steps: [`Describe::request`],
//! [`Request::candidates`] and [`Describe::answer`].

use std::collections::{BTreeMap, BTreeSet};

use super::filters::{self, Filterable};
use super::paging::{self, Limits};
use crate::protocol::error::AwsResult;
use crate::protocol::{Filter, Node, Params};
use crate::registry::Resource;

/// What tells one Describe action from another.
#[derive(Debug, Clone, Copy)]
pub struct Describe {
    /// The id list parameter: `VpcId` of `VpcId.N`.
    pub ids: &'static str,
    /// The answer's list: `vpcSet`.
    pub set: &'static str,
    /// The `MaxResults` range.
    pub limits: Limits,
    /// How the refusal of ids together with `MaxResults` names the ids
    /// (`vpcIdsSet`); `None` where AWS takes both together.
    pub ids_set: Option<&'static str>,
}

/// A Describe call's ids and filters, the ids known to exist.
#[derive(Debug)]
pub struct Request {
    pub ids: Vec<String>,
    pub filters: Vec<Filter>,
}

impl Describe {
    /// Reads the ids and filters; the first id the store lacks is its
    /// family's NotFound.
    pub fn request<R: Resource>(
        &self,
        p: &Params,
        store: &BTreeMap<String, R>,
    ) -> AwsResult<Request> {
        let ids = p.list(self.ids);
        let filters = p.filters()?;
        for id in &ids {
            if !store.contains_key(id) {
                return Err(R::not_found(id));
            }
        }
        Ok(Request { ids, filters })
    }

    /// One page of the items and its token, in the answer's list.
    pub fn answer(&self, p: &Params, req: &Request, items: Vec<Node>) -> AwsResult<Vec<Node>> {
        let ids_set = self.ids_set.filter(|_| !req.ids.is_empty());
        let (page, next) = paging::page_named(items, p, self.limits, ids_set)?;
        Ok(paging::with_token(vec![Node::set(self.set, page)], next))
    }

    /// The whole Describe: the named (or all) resources that pass the
    /// filters, in id order, rendered by `render`.
    pub fn run<R: Resource + Filterable>(
        &self,
        p: &Params,
        store: &BTreeMap<String, R>,
        render: impl Fn(&R) -> Node,
    ) -> AwsResult<Vec<Node>> {
        let req = self.request(p, store)?;
        let items = filters::select(req.candidates(store), &req.filters)?
            .into_iter()
            .map(render)
            .collect();
        self.answer(p, &req, items)
    }
}

impl Request {
    /// The resources the ids name (once each, in id order), or every one.
    pub fn candidates<'a, R>(&self, store: &'a BTreeMap<String, R>) -> Vec<&'a R> {
        if self.ids.is_empty() {
            return store.values().collect();
        }
        self.ids
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|id| store.get(id))
            .collect()
    }

    /// Whether a resource is one the call names (any, when it names none).
    pub fn names(&self, id: &str) -> bool {
        self.ids.is_empty() || self.ids.iter().any(|i| i == id)
    }
}
