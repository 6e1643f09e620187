package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptEnv is the environment a command started by a script command gets:
// what testscript and zsim set.
func scriptEnv(ts *testscript.TestScript) []string {
	env := []string{}
	for _, k := range []string{"PATH", "HOME", "WORK", "TMPDIR", "KUSTOMER_BASE_URL", "KUSTOMER_API_KEY", "ZENDESK_BASE_URL", "ZENDESK_SUBDOMAIN",
		"ZENDESK_EMAIL", "ZENDESK_API_TOKEN", "KZMAP_RATE_WINDOW", "NO_COLOR", "TERM", "KZMAP_PG_URL", "KZMAP_WORKSPACE", "KZMAP_BACKEND"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// interruptCmd is `interrupt [-twice|-kill [-after D]] PATTERN kzmap
// ARGS...`: it runs the command, presses Ctrl-C (SIGINT) when a line of
// its stderr matches PATTERN, and with -twice again when it says it is
// stopping; -kill sends SIGKILL instead (a machine that dies), -after D
// that long after the match. Its stdout and stderr go to the files
// interrupt.stdout and interrupt.stderr, for grep; `! interrupt` expects
// a non-zero exit.
func interruptCmd(ts *testscript.TestScript, neg bool, args []string) {
	twice := len(args) > 0 && args[0] == "-twice"
	kill := len(args) > 0 && args[0] == "-kill"
	if twice || kill {
		args = args[1:]
	}
	var after time.Duration
	if kill && len(args) > 1 && args[0] == "-after" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		after, args = d, args[2:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: interrupt [-twice|-kill] PATTERN COMMAND ARGS...")
	}
	press := os.Interrupt
	if kill {
		press = os.Kill
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Dir, cmd.Env = ts.Getenv("WORK"), scriptEnv(ts)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, err := cmd.StderrPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	var stderr bytes.Buffer
	presses := 0
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		stderr.WriteString(line + "\n")
		switch {
		case presses == 0 && re.MatchString(line):
			p := cmd.Process
			time.AfterFunc(after, func() { p.Signal(press) })
			presses++
		case presses == 1 && twice && strings.HasPrefix(line, "stopping:"):
			ts.Check(cmd.Process.Signal(os.Interrupt))
			presses++
		}
	}
	err = cmd.Wait()
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stdout"), stdout.Bytes(), 0o600))
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stderr"), stderr.Bytes(), 0o600))
	if presses == 0 {
		ts.Fatalf("no line of stderr matched %q:\n%s", args[0], stderr.String())
	}
	var exit *exec.ExitError
	switch {
	case err != nil && !errors.As(err, &exit):
		ts.Fatalf("%v", err)
	case neg && err == nil:
		ts.Fatalf("the command exited 0 after Ctrl-C")
	case !neg && err != nil:
		ts.Fatalf("the command failed: %v\n%s", err, stderr.String())
	}
	if exit != nil {
		ts.Setenv("EXIT", fmt.Sprint(exit.ExitCode()))
	}
}

// ptyCmd is `pty FILE COMMAND ARGS...`: it runs the command with its
// stdout and stderr on a pseudo-terminal, as in a terminal window, and
// writes what the terminal received to FILE.
func ptyCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: pty FILE COMMAND ARGS...")
	}
	master, slave, err := openPTY()
	ts.Check(err)
	defer master.Close()
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Dir, cmd.Env = ts.Getenv("WORK"), append(scriptEnv(ts), "TERM=xterm")
	cmd.Stdout, cmd.Stderr = slave, slave
	var out bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(&out, master) // ends with EIO once the command has gone
	}()
	ts.Check(cmd.Start())
	slave.Close()
	err = cmd.Wait()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		ts.Fatalf("the terminal did not close")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out.Bytes(), 0o600))
	if (err != nil) != neg {
		ts.Fatalf("exit: %v\n%s", err, out.String())
	}
}

// openPTY opens a pseudo-terminal pair (Linux).
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		master.Close()
		return nil, nil, err
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

func ioctl(f *os.File, req, arg uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, arg); errno != 0 {
		return errno
	}
	return nil
}
