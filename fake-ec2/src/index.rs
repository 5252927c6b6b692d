//! A family's store with secondary indexes: resources by id, and the ids
//! of the resources a key finds (the subnets of a VPC, the route tables
//! that route to a gateway, the load balancer of a name), so a Describe by
//! id or by VPC, a dependency check and a lookup by name cost the same in a
//! region of a thousand resources as in one of a hundred thousand.
//!
//! A family says what it is found by in [`Keys::keys`]; [`Indexed`] keeps
//! the indexes in step on insert and on remove. A change goes through one
//! of two doors:
//!
//! - [`Indexed::change`], for a family whose keys change (a route table's
//!   routes and associations): a [`Guard`] that re-reads the keys when it is
//!   dropped, so no caller can leave an index stale;
//! - [`Indexed::get_mut`], a plain `&mut`, only for a family that says with
//!   [`StableKeys`] that the fields its keys come from change only through
//!   `change` (a subnet's VPC never does; an instance gives its interfaces
//!   up when it terminates). Debug builds hold every family to that after
//!   each request ([`Indexed::verify`]).
//!
//! Reads go through `Deref` to the map by id. The registry's
//! [`Store::get_mut`] is the one other `&mut`: it is for tags, which no
//! index keys on.
//!
//! The state file keeps only the map by id; the indexes are rebuilt when
//! one is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::ec2::filters;
use crate::protocol::Filter;
use crate::registry::Store;

/// What a resource is found by, besides its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum By {
    /// The VPC it sits in.
    Vpc,
    /// A subnet it sits in or is associated with.
    Subnet,
    /// A network interface it owns.
    Interface,
    /// A route's target (a gateway, a NAT gateway, an instance).
    Target,
    /// An association's id, or the gateway an edge association names.
    Association,
    /// Its name, where names are unique (an ELBv2 load balancer's or
    /// target group's name; a security group's as `vpc-id/name`).
    Name,
    /// An ELBv2 load balancer's ARN it belongs to.
    LoadBalancer,
    /// An instance it is attached to.
    Instance,
    /// A security group it uses, or that one of its rules references.
    Group,
    /// A security group rule's id.
    Rule,
    /// A state a check counts by ([`LIVE`]: a NAT gateway or instance
    /// a quota counts).
    State,
    /// The `ClientToken` of the request that made it (idempotency).
    Token,
}

const KINDS: usize = By::Token as usize + 1;

/// The `State` key of a resource a quota counts (a NAT gateway not yet
/// deleted or failed, an instance not yet terminated).
pub const LIVE: &str = "live";

/// A key: what the resource is found by, and the value.
pub type Key = (By, String);

/// The keys a family's resources are found by.
pub trait Keys {
    /// Every key this resource is found by besides its id; order and
    /// repeats do not matter.
    fn keys(&self, out: &mut Vec<Key>);
}

/// A promise that the fields [`Keys::keys`] reads change only through
/// [`Indexed::change`] (or a new insert), so the plain `&mut` of
/// [`Indexed::get_mut`] cannot leave an index stale.
pub trait StableKeys: Keys {}

fn keys_of<R: Keys>(r: &R) -> Vec<Key> {
    let mut out = Vec::new();
    r.keys(&mut out);
    out.sort();
    out.dedup();
    out
}

/// A family's resources by id, with the ids each key finds.
#[derive(Debug, Clone)]
pub struct Indexed<R> {
    by_id: BTreeMap<String, R>,
    index: Index,
}

impl<R> Default for Indexed<R> {
    fn default() -> Self {
        Self {
            by_id: BTreeMap::new(),
            index: Default::default(),
        }
    }
}

impl<R: Keys> Indexed<R> {
    pub fn insert(&mut self, id: String, r: R) -> Option<R> {
        let old = self.remove(&id);
        for key in keys_of(&r) {
            index_key(&mut self.index, &id, key);
        }
        self.by_id.insert(id, r);
        old
    }

    pub fn remove(&mut self, id: &str) -> Option<R> {
        let r = self.by_id.remove(id)?;
        for key in keys_of(&r) {
            unindex(&mut self.index, id, &key);
        }
        Some(r)
    }

    /// The resource under `id`, to change: the indexes follow its keys
    /// when the guard is dropped.
    pub fn change(&mut self, id: &str) -> Option<Guard<'_, R>> {
        let (id, old) = self
            .by_id
            .get_key_value(id)
            .map(|(k, r)| (k.clone(), keys_of(r)))?;
        let item = self.by_id.get_mut(&id).expect("found above");
        Some(Guard {
            id,
            old,
            item,
            index: &mut self.index,
        })
    }

    /// Removes every resource a key finds (the listeners of a load
    /// balancer).
    pub fn remove_each(&mut self, by: By, value: &str) {
        let ids: Vec<String> = self.ids(by, value).cloned().collect();
        for id in ids {
            self.remove(&id);
        }
    }

    /// Changes every resource a key finds (the route tables of a VPC).
    pub fn change_each(&mut self, by: By, value: &str, mut f: impl FnMut(&mut R)) {
        let ids: Vec<String> = self.ids(by, value).cloned().collect();
        for id in ids {
            let mut g = self.change(&id).expect("listed above");
            f(&mut g);
        }
    }

    /// Whether every index holds what a rebuild from the resources would:
    /// the first difference, worded for a bug report.
    pub fn verify(&self) -> Result<(), String> {
        let mut rebuilt = Self::default();
        for (id, r) in &self.by_id {
            for key in keys_of(r) {
                index_key(&mut rebuilt.index, id, key);
            }
        }
        for (kind, (have, want)) in self.index.iter().zip(&rebuilt.index).enumerate() {
            if have != want {
                let stale = have
                    .iter()
                    .find(|(k, ids)| want.get(*k) != Some(*ids))
                    .map(|(k, _)| k.clone())
                    .or_else(|| want.keys().find(|k| !have.contains_key(*k)).cloned())
                    .unwrap_or_default();
                return Err(format!("index {kind} is stale at key '{stale}'"));
            }
        }
        Ok(())
    }
}

/// One array of maps, one map per kind of key: key value -> ids.
type Index = [HashMap<String, BTreeSet<String>>; KINDS];

fn index_key(index: &mut Index, id: &str, (by, value): Key) {
    index[by as usize]
        .entry(value)
        .or_default()
        .insert(id.to_owned());
}

fn unindex(index: &mut Index, id: &str, (by, value): &Key) {
    let map = &mut index[*by as usize];
    if let Some(ids) = map.get_mut(value) {
        ids.remove(id);
        if ids.is_empty() {
            map.remove(value);
        }
    }
}

impl<R: StableKeys> Indexed<R> {
    /// The resource under `id`, to change any field but those its keys
    /// come from.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut R> {
        self.by_id.get_mut(id)
    }
}

impl<R> Indexed<R> {
    /// The ids a key finds, in id order.
    pub fn ids<'a>(&'a self, by: By, value: &str) -> impl Iterator<Item = &'a String> + 'a {
        self.index[by as usize].get(value).into_iter().flatten()
    }

    /// The resources a key finds, in id order.
    pub fn find<'a>(&'a self, by: By, value: &str) -> impl Iterator<Item = &'a R> + 'a {
        self.ids(by, value).filter_map(|id| self.by_id.get(id))
    }

    /// The first resource (in id order) a key finds.
    pub fn first(&self, by: By, value: &str) -> Option<&R> {
        self.find(by, value).next()
    }

    /// The resources `ids` names that the store holds, once each, in id
    /// order.
    pub fn in_id_order<'a, 'b>(&'a self, ids: impl IntoIterator<Item = &'b str>) -> Vec<&'a R> {
        let wanted: BTreeSet<&str> = ids.into_iter().collect();
        wanted
            .into_iter()
            .filter_map(|id| self.by_id.get(id))
            .collect()
    }

    /// Whether a key finds any resource.
    pub fn any(&self, by: By, value: &str) -> bool {
        self.index[by as usize].contains_key(value)
    }

    /// The resources a Describe call can match, in id order: the ids it
    /// names; else those an exact filter of `indexed` (filter name, key)
    /// finds (a value with a wildcard cannot be looked up); else all.
    pub fn candidates<'a>(
        &'a self,
        ids: &[String],
        filters: &[Filter],
        indexed: &[(&str, By)],
    ) -> Vec<&'a R> {
        if !ids.is_empty() {
            return self.in_id_order(ids.iter().map(String::as_str));
        }
        let exact = filters.iter().find_map(|f| {
            let (_, by) = indexed.iter().find(|(name, _)| *name == f.name)?;
            filters::is_exact(f).then_some((*by, &f.values))
        });
        match exact {
            Some((by, values)) => self.in_id_order(
                values
                    .iter()
                    .flat_map(|v| self.ids(by, v))
                    .map(String::as_str),
            ),
            None => self.by_id.values().collect(),
        }
    }
}

/// A resource being changed; its keys are re-read when it is dropped.
pub struct Guard<'a, R: Keys> {
    id: String,
    old: Vec<Key>,
    item: &'a mut R,
    index: &'a mut Index,
}

impl<R: Keys> std::ops::Deref for Guard<'_, R> {
    type Target = R;

    fn deref(&self) -> &R {
        self.item
    }
}

impl<R: Keys> std::ops::DerefMut for Guard<'_, R> {
    fn deref_mut(&mut self) -> &mut R {
        self.item
    }
}

impl<R: Keys> Drop for Guard<'_, R> {
    fn drop(&mut self) {
        let new = keys_of(&*self.item);
        if new == self.old {
            return;
        }
        for key in self.old.iter().filter(|k| !new.contains(k)) {
            unindex(self.index, &self.id, key);
        }
        for key in new.into_iter().filter(|k| !self.old.contains(k)) {
            index_key(self.index, &self.id, key);
        }
    }
}

impl<R: Keys> Store<R> for Indexed<R> {
    fn map(&self) -> &BTreeMap<String, R> {
        &self.by_id
    }

    /// Raw access for tags only: no index keys on them.
    fn get_mut(&mut self, id: &str) -> Option<&mut R> {
        self.by_id.get_mut(id)
    }

    fn verify(&self) -> Result<(), String> {
        Indexed::verify(self)
    }
}

impl<R> std::ops::Deref for Indexed<R> {
    type Target = BTreeMap<String, R>;

    fn deref(&self) -> &Self::Target {
        &self.by_id
    }
}

impl<R: Keys> Extend<(String, R)> for Indexed<R> {
    fn extend<I: IntoIterator<Item = (String, R)>>(&mut self, items: I) {
        for (id, r) in items {
            self.insert(id, r);
        }
    }
}

impl<R: Keys> FromIterator<(String, R)> for Indexed<R> {
    fn from_iter<I: IntoIterator<Item = (String, R)>>(items: I) -> Self {
        let mut out = Self::default();
        out.extend(items);
        out
    }
}

impl<R: Serialize> Serialize for Indexed<R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.by_id.serialize(serializer)
    }
}

impl<'de, R: Keys + Deserialize<'de>> Deserialize<'de> for Indexed<R> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, R>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Thing {
        vpc: String,
        subnets: Vec<String>,
    }

    impl Keys for Thing {
        fn keys(&self, out: &mut Vec<Key>) {
            out.push((By::Vpc, self.vpc.clone()));
            out.extend(self.subnets.iter().map(|s| (By::Subnet, s.clone())));
        }
    }

    fn thing(vpc: &str, subnets: &[&str]) -> Thing {
        Thing {
            vpc: vpc.to_owned(),
            subnets: subnets.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn ids<R>(s: &Indexed<R>, by: By, v: &str) -> Vec<String> {
        s.ids(by, v).cloned().collect()
    }

    /// Every way a resource changes keeps the indexes in step: insert,
    /// a change through the guard, replace, changes and removals by key,
    /// remove, and a state file read back.
    #[test]
    fn the_indexes_follow_every_change() {
        let mut s = Indexed::default();
        s.insert("t-2".into(), thing("vpc-a", &["subnet-1"]));
        s.insert("t-1".into(), thing("vpc-a", &[]));
        s.insert("t-3".into(), thing("vpc-b", &["subnet-1", "subnet-2"]));
        assert_eq!(ids(&s, By::Vpc, "vpc-a"), ["t-1", "t-2"]);
        assert_eq!(ids(&s, By::Subnet, "subnet-1"), ["t-2", "t-3"]);

        s.change("t-1").unwrap().subnets.push("subnet-2".into());
        s.change("t-3").unwrap().subnets.retain(|x| x != "subnet-2");
        assert_eq!(ids(&s, By::Subnet, "subnet-2"), ["t-1"]);

        s.change("t-2").unwrap().vpc = "vpc-b".into();
        assert_eq!(ids(&s, By::Vpc, "vpc-a"), ["t-1"]);
        assert_eq!(ids(&s, By::Vpc, "vpc-b"), ["t-2", "t-3"]);

        s.insert("t-3".into(), thing("vpc-c", &[]));
        assert_eq!(ids(&s, By::Subnet, "subnet-1"), ["t-2"]);
        assert_eq!(ids(&s, By::Vpc, "vpc-b"), ["t-2"]);

        s.change_each(By::Subnet, "subnet-2", |t| t.vpc = "vpc-y".into());
        assert_eq!(ids(&s, By::Vpc, "vpc-y"), ["t-1"]);
        for vpc in ["vpc-y", "vpc-b", "vpc-c"] {
            s.change_each(By::Vpc, vpc, |t| t.vpc = "vpc-z".into());
        }
        assert_eq!(ids(&s, By::Vpc, "vpc-z"), ["t-1", "t-2", "t-3"]);
        assert!(!s.any(By::Vpc, "vpc-a"));

        s.remove_each(By::Subnet, "subnet-1");
        assert_eq!(s.keys().collect::<Vec<_>>(), ["t-1", "t-3"]);
        assert_eq!(ids(&s, By::Subnet, "subnet-1"), Vec::<String>::new());
        assert!(!s.any(By::Subnet, "subnet-1"));

        let json = serde_json::to_string(&s).unwrap();
        let back: Indexed<Thing> = serde_json::from_str(&json).unwrap();
        assert_eq!(ids(&back, By::Subnet, "subnet-2"), ["t-1"]);
        assert_eq!(ids(&back, By::Vpc, "vpc-z"), ["t-1", "t-3"]);

        s.remove("t-1");
        assert!(!s.any(By::Subnet, "subnet-2"));
        assert_eq!(s.keys().collect::<Vec<_>>(), ["t-3"]);
        assert_eq!(s.verify(), Ok(()));
    }

    /// A key changed behind the index's back (the raw `&mut` the tag code
    /// gets) is caught by `verify`.
    #[test]
    fn verify_finds_a_stale_index() {
        let mut s = Indexed::default();
        s.insert("t-1".into(), thing("vpc-a", &["subnet-1"]));
        assert_eq!(s.verify(), Ok(()));
        Store::get_mut(&mut s, "t-1").unwrap().subnets.clear();
        let err = s.verify().unwrap_err();
        assert!(err.contains("subnet-1"), "{err}");
    }

    /// A Describe's candidates come from the ids, else from an exact
    /// indexed filter, else from everything; a wildcard value cannot be
    /// looked up.
    #[test]
    fn candidates_use_the_index_only_for_exact_values() {
        let s: Indexed<Thing> = [
            ("t-1".to_owned(), thing("vpc-a", &[])),
            ("t-2".to_owned(), thing("vpc-b", &[])),
            ("t-3".to_owned(), thing("vpc-a", &[])),
        ]
        .into_iter()
        .collect();
        let f = |v: &str| Filter {
            name: "vpc-id".into(),
            values: vec![v.into()],
        };
        let by = [("vpc-id", By::Vpc)];
        let names = |c: Vec<&Thing>| c.iter().map(|t| t.vpc.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(s.candidates(&[], &[f("vpc-a")], &by)),
            ["vpc-a", "vpc-a"]
        );
        assert_eq!(names(s.candidates(&[], &[f("vpc-*")], &by)).len(), 3);
        assert_eq!(names(s.candidates(&[], &[f("vpc-a")], &[])).len(), 3);
        assert_eq!(
            names(s.candidates(&["t-2".into(), "t-2".into()], &[], &by)),
            ["vpc-b"]
        );
        assert!(s.candidates(&[], &[f("vpc-q")], &by).is_empty());
    }
}
