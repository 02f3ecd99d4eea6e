// pgoprog is a small std-only program for the interop tests: it burns CPU through a few call
// paths, some under pprof labels, and writes a CPU profile, so that `go build -pgo` has hot call
// sites to act on.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"log"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

type item struct {
	Name  string
	Score int
	Tags  []string
}

func score(s string) int {
	h := sha256.Sum256([]byte(s))
	n := 0
	for _, b := range h {
		n += int(b)
	}
	return n
}

func makeItems(n int, seed int) []item {
	items := make([]item, n)
	for i := range items {
		name := strings.Repeat("x", (i+seed)%17) + string(rune('a'+i%26))
		items[i] = item{Name: name, Score: score(name), Tags: []string{"t", name}}
	}
	return items
}

func handleItems(seed int) int {
	items := makeItems(200, seed)
	sort.Slice(items, func(a, b int) bool { return items[a].Score < items[b].Score })
	buf, _ := json.Marshal(items)
	return len(buf)
}

func handleText(seed int) int {
	var b strings.Builder
	for i := 0; i < 400; i++ {
		b.WriteString(strings.ToUpper(strings.Repeat("ab", (i+seed)%9)))
	}
	return score(b.String())
}

func main() {
	out := flag.String("cpuprofile", "cpu.pprof", "where to write the CPU profile")
	dur := flag.Duration("duration", time.Second, "how long to run")
	seed := flag.Int("seed", 1, "varies the work between runs")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	end := time.Now().Add(*dur)
	total := 0
	for i := 0; time.Now().Before(end); i++ {
		if i%2 == 0 {
			pprof.Do(context.Background(), pprof.Labels("endpoint", "/items"), func(context.Context) {
				total += handleItems(*seed + i)
			})
		} else {
			pprof.Do(context.Background(), pprof.Labels("endpoint", "/text"), func(context.Context) {
				total += handleText(*seed + i)
			})
		}
	}
	pprof.StopCPUProfile()
	f.Close()
	if total == 42 {
		log.Print("unlikely")
	}
}
