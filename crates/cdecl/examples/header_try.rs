fn main() {
    let h = std::env::args().nth(1).unwrap();
    let mut reg = cdecl::Registry::new();
    let mut arena = cdecl::TypeArena::new();
    let t = std::time::Instant::now();
    match cdecl::header::cdef_header(&mut reg, &mut arena, &h, &Default::default()) {
        Ok(r) => {
            println!("ok in {:?}: {} decls, {} typedefs", t.elapsed(), reg.declarations().len(), reg.typedef_names().len());
            for w in &r.warnings { println!("WARN {w}"); }
        }
        Err(e) => println!("ERR {e}"),
    }
}
