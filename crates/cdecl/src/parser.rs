//! Recursive-descent parser for the cdef language.

use crate::registry::{CdefOptions, CdefReport, Registry};
use crate::types::{TypeArena, TypeId};
use crate::Error;

pub(crate) fn cdef(reg: &mut Registry, arena: &mut TypeArena, source: &str, options: &CdefOptions) -> Result<CdefReport, Error> {
    let _ = (reg, arena, source, options);
    todo!("parser::cdef")
}

pub(crate) fn parse_type(reg: &Registry, arena: &mut TypeArena, text: &str) -> Result<TypeId, Error> {
    let _ = (reg, arena, text);
    todo!("parser::parse_type")
}

pub(crate) fn include(reg: &mut Registry, other: &Registry) -> Result<(), Error> {
    let _ = (reg, other);
    todo!("parser::include")
}
