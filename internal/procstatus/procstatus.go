// Package procstatus reads memory figures from a Linux process's
// /proc/PID/status file. Where there is no /proc (other systems) every
// figure reads as absent.
package procstatus

import (
	"bytes"
	"os"
	"strconv"
)

// Self is the pid argument that names the calling process.
const Self = "self"

// KB returns the kB figures named by fields ("VmRSS", "RssAnon", "VmHWM",
// …) of process pid (a number, or Self), in the order asked; a figure
// the file lacks is 0, and ok is false when the file cannot be read.
func KB(pid string, fields ...string) (kb []int64, ok bool) {
	kb = make([]int64, len(fields))
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return kb, false
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		name, rest, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		for i, f := range fields {
			if string(name) != f {
				continue
			}
			if v := bytes.Fields(rest); len(v) > 0 {
				kb[i], _ = strconv.ParseInt(string(v[0]), 10, 64)
			}
		}
	}
	return kb, true
}
