//! The resource registry: what the fake knows of every resource family it
//! stores (its id prefix, its resource type, its NotFound error, its tags),
//! written once, in the family's own file, as an impl of [`Resource`], and
//! registered with one line in its service's `families!` list
//! ([`crate::ec2::Ec2State`], [`crate::elbv2::Elbv2State`]).
//!
//! From the registry come: TagSpecification and DescribeTags resource types,
//! CreateTags / DeleteTags / AddTags / RemoveTags lookups and their NotFound
//! errors, DescribeTags' rows, the ids eventual consistency hides and the
//! NotFound it answers for them (both services), and the state file check
//! that every map is keyed by its resources' ids.
//!
//! # Adding a family
//!
//! A new family (classic ELB's load balancers were one; EKS, STS) touches:
//!
//! 1. its own file: the resource struct; its [`Resource`] impl (prefix,
//!    resource type, id, tags, NotFound), one `resource!` line for a
//!    family that keeps its id in a field; for an EC2-style Describe, one
//!    `filters::filterable!` list (each filter name with its
//!    values); its handlers, the Describe one through
//!    [`crate::ec2::describe::Describe`];
//! 2. one registration line in its service's `families!` list (`mod.rs`),
//!    which adds the map to the region's state, its state-file key and the
//!    state dump;
//! 3. its actions' lines in the service's `actions!` table (`mod.rs`),
//!    and its error codes where the service keeps
//!    them (`errors.rs`) when it has new ones.
//!
//! Nothing else: tags, eventual consistency and the state file check find
//! the family through the registry.

use std::collections::BTreeMap;

use crate::protocol::AwsError;
use crate::protocol::error::AwsResult;

/// A resource family the fake stores, keyed by id (EC2) or ARN (ELBv2).
pub trait Resource {
    /// The id's prefix (`vpc` of `vpc-0123`); for an ELBv2 resource, the
    /// kind its ARN names (`loadbalancer` of `...:loadbalancer/net/...`).
    const PREFIX: &'static str;
    /// EC2's resource type (`TagSpecification.N.ResourceType`, DescribeTags'
    /// `resource-type`); for an ELBv2 resource, its ARN's kind.
    const RESOURCE_TYPE: &'static str;

    /// The service's tag collection.
    type Tags;

    /// The resource's own id (or ARN): the key it is stored under.
    fn id(&self) -> &str;
    fn tag_map(&self) -> &Self::Tags;
    fn tag_map_mut(&mut self) -> &mut Self::Tags;

    /// What the owning service answers for an id of this family it lacks.
    fn not_found(id: &str) -> AwsError;

    /// What ELBv2 answers for this EC2 resource when it cannot see it (a
    /// subnet, a security group ...); `None`: ELBv2 never names one.
    fn elbv2_not_found(_id: &str) -> Option<AwsError> {
        None
    }

    /// The same for classic ELB (which names subnets, security groups and
    /// instances); `None`: classic ELB never names one.
    fn elb_not_found(_id: &str) -> Option<AwsError> {
        None
    }

    /// Whether the resource is gone though still listed (a terminated
    /// instance, a deleted NAT gateway).
    fn is_gone(&self) -> bool {
        false
    }

    /// Whether an id (or ARN) is one of this family's: by prefix for EC2;
    /// ELBv2 families say by their ARN's kind.
    fn owns(id: &str) -> bool {
        id_prefix(id) == Some(Self::PREFIX)
    }
}

/// The resource a store holds under an id, or its family's NotFound.
pub fn find<'a, R: Resource>(store: &'a BTreeMap<String, R>, id: &str) -> AwsResult<&'a R> {
    store.get(id).ok_or_else(|| R::not_found(id))
}

/// Tag key and value rules both services share (ELBv2 answers a breach
/// as its ValidationError): key 1-128 characters and not `aws:`-prefixed, value up to 256.
pub fn check_tag(key: &str, value: &str) -> AwsResult<()> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err(AwsError::invalid_parameter_value(format!(
            "Tag key exceeds the maximum length of 128 characters: {key}"
        )));
    }
    if value.chars().count() > 256 {
        return Err(AwsError::invalid_parameter_value(format!(
            "Tag value exceeds the maximum length of 256 characters: {value}"
        )));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(AwsError::invalid_parameter_value(
            "Tag keys starting with 'aws:' are reserved for internal use",
        ));
    }
    Ok(())
}

/// The prefix of an EC2 id: `ipam-pool` of `ipam-pool-0123`.
pub fn id_prefix(id: &str) -> Option<&str> {
    id.rsplit_once('-').map(|(p, _)| p)
}

/// A family's registration: its [`Resource`] constants and functions.
#[derive(Debug)]
pub struct Family {
    /// The name of the state's field that keeps the family (`vpcs`): its
    /// key in a state file.
    pub store: &'static str,
    pub prefix: &'static str,
    pub resource_type: &'static str,
    pub owns: fn(&str) -> bool,
    pub not_found: fn(&str) -> AwsError,
    pub elbv2_not_found: fn(&str) -> Option<AwsError>,
    pub elb_not_found: fn(&str) -> Option<AwsError>,
}

impl Family {
    pub const fn of<R: Resource>(store: &'static str) -> Self {
        Self {
            store,
            prefix: R::PREFIX,
            resource_type: R::RESOURCE_TYPE,
            owns: R::owns,
            not_found: R::not_found,
            elbv2_not_found: R::elbv2_not_found,
            elb_not_found: R::elb_not_found,
        }
    }

    /// The family of `families` that owns an id.
    pub fn find(families: &'static [Family], id: &str) -> Option<&'static Family> {
        families.iter().find(|f| (f.owns)(id))
    }
}

/// One stored resource as the registry sees it.
#[derive(Debug)]
pub struct Entry<'a, T> {
    /// The key it is stored under.
    pub key: &'a str,
    /// The id it holds (the same, in a consistent state).
    pub id: &'a str,
    pub tags: &'a T,
    /// [`Resource::is_gone`].
    pub gone: bool,
    pub family: &'static Family,
}

/// Where a family's resources are kept: a map by id, or a map with
/// indexes ([`crate::index::Indexed`]).
pub trait Store<R> {
    fn map(&self) -> &BTreeMap<String, R>;
    fn get_mut(&mut self, id: &str) -> Option<&mut R>;

    /// Whether the store's indexes match its resources (a map has none).
    fn verify(&self) -> Result<(), String> {
        Ok(())
    }
}

impl<R> Store<R> for BTreeMap<String, R> {
    fn map(&self) -> &BTreeMap<String, R> {
        self
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut R> {
        BTreeMap::get_mut(self, id)
    }
}

/// Implements [`Resource`] for a family whose resources keep their id in
/// a field and their tags in `tags`:
/// `resource!(Vpc: "vpc", "vpc", vpc_id, Tags, |id| errors::vpc_not_found(id));`
/// (type: prefix, resource type, id field, tag collection, NotFound), then,
/// after a `;`, any further trait items (`elbv2_not_found`, `owns`,
/// `is_gone`).
macro_rules! resource {
    (
        $ty:ty : $prefix:literal, $rt:literal, $id:ident, $tags:ty,
        |$arg:ident| $nf:expr $(; $($extra:tt)*)?
    ) => {
        impl $crate::registry::Resource for $ty {
            const PREFIX: &'static str = $prefix;
            const RESOURCE_TYPE: &'static str = $rt;
            type Tags = $tags;

            fn id(&self) -> &str {
                &self.$id
            }

            fn tag_map(&self) -> &$tags {
                &self.tags
            }

            fn tag_map_mut(&mut self) -> &mut $tags {
                &mut self.tags
            }

            fn not_found($arg: &str) -> $crate::protocol::AwsError {
                $nf
            }

            $($($extra)*)?
        }
    };
}
pub(crate) use resource;

/// The type a family's resources are kept in: a map by id unless the
/// registration names another [`Store`].
macro_rules! store_type {
    ($res:ty) => { ::std::collections::BTreeMap<String, $res> };
    ($res:ty, $store:ty) => { $store };
}
pub(crate) use store_type;

/// Declares a service's state (one store per family, serialized under the
/// field's name) and its registry: `FAMILIES`, `resources()` (every stored
/// resource) and `tags_mut` (a resource's tags by id).
macro_rules! families {
    (
        $(#[$meta:meta])*
        pub struct $state:ident<Tags = $tags:ty> {
            $( $field:ident : $res:ty $(=> $store:ty)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
        pub struct $state {
            $( pub $field: $crate::registry::store_type!($res $(, $store)?), )*
        }

        /// Every family this service stores, in registration order.
        pub const FAMILIES: &[$crate::registry::Family] =
            &[$( $crate::registry::Family::of::<$res>(stringify!($field)), )*];

        impl $state {
            /// Every stored resource, family by family, each in key order.
            pub fn resources(&self) -> Vec<$crate::registry::Entry<'_, $tags>> {
                let mut out = Vec::new();
                let mut i = 0;
                $(
                    let family = &FAMILIES[i];
                    i += 1;
                    out.extend(
                        $crate::registry::Store::<$res>::map(&self.$field)
                            .iter()
                            .map(|(key, r)| $crate::registry::Entry {
                                key: key.as_str(),
                                id: $crate::registry::Resource::id(r),
                                tags: $crate::registry::Resource::tag_map(r),
                                gone: $crate::registry::Resource::is_gone(r),
                                family,
                            }),
                    );
                )*
                let _ = i;
                out
            }

            /// The first store whose indexes do not match its resources.
            pub fn verify_indexes(&self) -> Result<(), String> {
                $(
                    $crate::registry::Store::<$res>::verify(&self.$field)
                        .map_err(|e| format!("{}: {e}", stringify!($field)))?;
                )*
                Ok(())
            }

            /// The tags of the resource an id names: its family's NotFound
            /// when the family lacks it, `unknown(id)` when no family owns it.
            pub fn tags_mut(
                &mut self,
                id: &str,
                unknown: impl FnOnce(&str) -> $crate::protocol::AwsError,
            ) -> $crate::protocol::error::AwsResult<&mut $tags> {
                $(
                    if <$res as $crate::registry::Resource>::owns(id) {
                        return $crate::registry::Store::<$res>::get_mut(&mut self.$field, id)
                            .map($crate::registry::Resource::tag_map_mut)
                            .ok_or_else(|| <$res as $crate::registry::Resource>::not_found(id));
                    }
                )*
                Err(unknown(id))
            }
        }
    };
}
pub(crate) use families;

/// A service's action table: `handler(action)` for the dispatcher, and
/// `ACTIONS`, every action's name in the table's order (docs, the fuzzer
/// and tests), from one list.
macro_rules! actions {
    ($(#[$doc:meta])* $handler:ty { $($name:literal => $f:path,)* }) => {
        $(#[$doc])*
        pub fn handler(action: &str) -> Option<$handler> {
            Some(match action {
                $($name => $f,)*
                _ => return None,
            })
        }

        /// The names of every action the fake serves, in the table's order.
        pub const ACTIONS: &[&str] = &[$($name),*];
    };
}
pub(crate) use actions;

#[cfg(test)]
mod tests {
    /// Each service answers every action of its table, each name once, and
    /// none of another service's (a handler wired into the wrong table).
    #[test]
    fn every_service_serves_its_own_actions() {
        type Service = (&'static str, &'static [&'static str], fn(&str) -> bool);
        let services: [Service; 4] = [
            ("ec2", crate::ec2::ACTIONS, |a| {
                crate::ec2::handler(a).is_some()
            }),
            ("elbv2", crate::elbv2::ACTIONS, |a| {
                crate::elbv2::handler(a).is_some()
            }),
            ("elb", crate::elb::ACTIONS, |a| {
                crate::elb::handler(a).is_some()
            }),
            ("eks", crate::eks::ACTIONS, |a| {
                crate::eks::handler(a).is_some()
            }),
        ];
        for (name, actions, serves) in services {
            let mut seen = std::collections::BTreeSet::new();
            for a in actions {
                assert!(seen.insert(a), "{name}: {a} listed twice");
                assert!(serves(a), "{name}: {a} has no handler");
            }
        }
        let (ec2, elbv2, elb, eks) = (services[0].2, services[1].2, services[2].2, services[3].2);
        for a in ["CreateLoadBalancer", "CreateCluster", "RegisterTargets"] {
            assert!(!ec2(a), "ec2 serves {a}");
        }
        for a in [
            "CreateVpc",
            "CreateCluster",
            "RegisterInstancesWithLoadBalancer",
        ] {
            assert!(!elbv2(a), "elbv2 serves {a}");
        }
        for a in ["SetSubnets", "CreateTargetGroup", "CreateVpc"] {
            assert!(!elb(a), "elb serves {a}");
        }
        for a in ["DescribeVpcs", "CreateLoadBalancer", "TagResources"] {
            assert!(!eks(a), "eks serves {a}");
        }
    }
}
