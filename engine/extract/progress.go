package extract

// Progress hears how an extraction goes. The engine calls it from several
// goroutines; implementations must be safe for concurrent use. A command
// draws bars from it; tests count.
type Progress interface {
	// Phase says a phase started: "reference data", "conversations and
	// objects", "messages and notes", "threads checked", "attachment
	// files".
	Phase(name string)
	// Expect says n more records (or files) are expected in this phase,
	// as the engine learns it; the phase's total is the sum.
	Expect(n int)
	// Records says n more records (or files) were written.
	Records(n int)
	// Note is a line worth showing: a choice of plan, a split window, a
	// record that could not be fetched.
	Note(msg string)
}

type nopProgress struct{}

func (nopProgress) Phase(string) {}
func (nopProgress) Expect(int)   {}
func (nopProgress) Records(int)  {}
func (nopProgress) Note(string)  {}
