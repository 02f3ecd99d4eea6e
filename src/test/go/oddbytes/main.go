// oddbytes writes a CPU profile whose strings are not UTF-8, as real Go programs can: a pprof
// label key and value of arbitrary bytes, and, with -reexec-in, the binary run from a directory
// whose name is not UTF-8 (so the main mapping's file name is not either). Standard library only.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"time"
)

func burn(d time.Duration) int {
	n := 0
	buf := []byte("oddbytes")
	for end := time.Now().Add(d); time.Now().Before(end); {
		h := sha256.Sum256(buf)
		buf = h[:]
		n += int(h[0])
	}
	return n
}

func main() {
	out := flag.String("cpuprofile", "", "where to write the CPU profile")
	reexecIn := flag.String("reexec-in", "", "copy this binary under a non-UTF-8 directory name there and run it from there")
	flag.Parse()
	if *reexecIn != "" {
		exe, err := os.Executable()
		if err != nil {
			log.Fatal(err)
		}
		dir := filepath.Join(*reexecIn, "bin\xff\xfe")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			log.Fatal(err)
		}
		dst := filepath.Join(dir, "prog\xe9")
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			log.Fatal(err)
		}
		cmd := exec.Command(dst, "-cpuprofile", *out)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatal(err)
		}
		return
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	sum := 0
	pprof.Do(context.Background(), pprof.Labels("k\xff", "\xff\xfe", "ok", "v"), func(context.Context) {
		sum += burn(400 * time.Millisecond)
	})
	sum += burn(200 * time.Millisecond)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	if sum == 42 {
		log.Print("unlikely")
	}
}
