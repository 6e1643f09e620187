package procstatus

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

func TestKB(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, ok := KB(Self, "VmRSS"); ok {
			t.Error("read a status file where there is no /proc")
		}
		t.Skip("no /proc here")
	}
	self, ok := KB(Self, "VmRSS", "RssAnon", "NoSuchField")
	if !ok {
		t.Fatal("cannot read /proc/self/status")
	}
	if self[0] <= 0 || self[1] <= 0 || self[1] > self[0] || self[2] != 0 {
		t.Errorf("VmRSS %d kB, RssAnon %d kB, NoSuchField %d: want 0 < RssAnon <= VmRSS and 0", self[0], self[1], self[2])
	}
	byPid, ok := KB(strconv.Itoa(os.Getpid()), "VmHWM")
	if !ok || byPid[0] < self[0]/2 {
		t.Errorf("by pid: VmHWM %d kB (ok %v), want at least about VmRSS %d kB", byPid[0], ok, self[0])
	}
	if _, ok := KB("0", "VmRSS"); ok {
		t.Error("pid 0 has no status file, want ok false")
	}
}
