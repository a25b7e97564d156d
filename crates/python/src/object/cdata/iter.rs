//! `iter(array)`: cffi's `__CData_iterator`, lazy as cffi's is. Each
//! `next()` reads the item it returns, at that moment: a store into a later
//! item during the loop is seen, and nothing is read ahead (an eager copy of
//! every item read `char(*)[2**62]` arrays far past their memory and
//! crashed, and showed stale values after a store).

use pyo3::prelude::*;

use super::as_cdata;
use crate::convert;
use crate::ctype::CType;

#[pyclass(module = "_cffi_backend", name = "__CData_iterator")]
pub struct CDataIter {
    /// The array cdata; its current address and length are read at every
    /// step, so a `ffi.release()` of it mid-loop (length 0) ends the loop.
    array: Py<PyAny>,
    item: Py<CType>,
    item_size: usize,
    next: usize,
}

impl CDataIter {
    pub fn new(py: Python<'_>, array: &Bound<'_, PyAny>, item: &Py<CType>) -> PyResult<Self> {
        let item_size = item.get().size(py)?;
        Ok(CDataIter { array: array.clone().unbind(), item: item.clone_ref(py), item_size, next: 0 })
    }
}

#[pymethods]
impl CDataIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let array = self.array.bind(py);
        let c = as_cdata(py, array).expect("the iterator is made from a cdata");
        let i = self.next;
        if c.ptr.is_null() || i >= c.length.max(0) as usize {
            return Ok(None);
        }
        self.next += 1;
        // SAFETY: `i < length` of the array as it is now (not released:
        // the address is not NULL), so the item lies inside its memory,
        // which `array` (held here) keeps alive; `i * size` fits, as the
        // array's byte size does.
        unsafe { convert::read_in(py, &self.item, c.ptr.add(i * self.item_size), array.as_ptr()).map(Some) }
    }
}
