// Package dsl loads kzmap mapping directories: HCL files (*.kzmap.hcl,
// *.kztest.hcl) whose mapping blocks hold expr-lang expressions over typed
// Kustomer records. Everything a user wrote is checked at load time — HCL
// structure, module inputs, every expression compiled against the record it
// reads and its result type checked — and reported as HCL diagnostics at the
// expression's real file:line:col. The package knows nothing of how the
// mapping is executed: it hands compiled mappings to the engine and runs
// mapping tests.
package dsl
