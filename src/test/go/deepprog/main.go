// deepprog is a std-only program with deep stacks for the lean-form interop test: requests pass
// through middleware chains 30-80 frames deep (random order and depth) and a recursive walk, so
// that a CPU profile holds many distinct long stacks while the compiler reads only the two
// leaf-most frames of each. It profiles at a high rate and runs until it has used -cpu of CPU
// time, so that a busy machine still records enough samples.
//
// The middlewares below are written out (32 functions, 8 call sites each) so that stacks differ
// at every frame, as stacks through real middleware do.
package main

import (
	"context"
	"flag"
	"hash/crc32"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type req struct {
	path  string
	n     int
	steps int
	buf   []byte
	words []string
	chain []mw
}

type mw func(r *req, rest []mw) int

func next(r *req, rest []mw) int { return rest[0](r, rest[1:]) }

func mwAuth(r *req, rest []mw) int {
	r.n += len(r.path)
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 1
	case 2:
		return next(r, rest) + 2
	case 3:
		return next(r, rest) + 3
	case 4:
		return next(r, rest) + 4
	case 5:
		return next(r, rest) + 5
	case 6:
		return next(r, rest) + 6
	}
	return next(r, rest) ^ 1
}

func mwLog(r *req, rest []mw) int {
	r.n ^= r.steps
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 9
	case 2:
		return next(r, rest) + 10
	case 3:
		return next(r, rest) + 11
	case 4:
		return next(r, rest) + 12
	case 5:
		return next(r, rest) + 13
	case 6:
		return next(r, rest) + 14
	}
	return next(r, rest) ^ 2
}

func mwTrace(r *req, rest []mw) int {
	r.n += r.steps * 3
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 17
	case 2:
		return next(r, rest) + 18
	case 3:
		return next(r, rest) + 19
	case 4:
		return next(r, rest) + 20
	case 5:
		return next(r, rest) + 21
	case 6:
		return next(r, rest) + 22
	}
	return next(r, rest) ^ 3
}

func mwGzip(r *req, rest []mw) int {
	r.n -= 7
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 25
	case 2:
		return next(r, rest) + 26
	case 3:
		return next(r, rest) + 27
	case 4:
		return next(r, rest) + 28
	case 5:
		return next(r, rest) + 29
	case 6:
		return next(r, rest) + 30
	}
	return next(r, rest) ^ 4
}

func mwCors(r *req, rest []mw) int {
	r.n |= 1
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 33
	case 2:
		return next(r, rest) + 34
	case 3:
		return next(r, rest) + 35
	case 4:
		return next(r, rest) + 36
	case 5:
		return next(r, rest) + 37
	case 6:
		return next(r, rest) + 38
	}
	return next(r, rest) ^ 5
}

func mwLimit(r *req, rest []mw) int {
	r.steps += 2
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 41
	case 2:
		return next(r, rest) + 42
	case 3:
		return next(r, rest) + 43
	case 4:
		return next(r, rest) + 44
	case 5:
		return next(r, rest) + 45
	case 6:
		return next(r, rest) + 46
	}
	return next(r, rest) ^ 6
}

func mwRecover(r *req, rest []mw) int {
	r.n *= 3
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 49
	case 2:
		return next(r, rest) + 50
	case 3:
		return next(r, rest) + 51
	case 4:
		return next(r, rest) + 52
	case 5:
		return next(r, rest) + 53
	case 6:
		return next(r, rest) + 54
	}
	return next(r, rest) ^ 7
}

func mwMetrics(r *req, rest []mw) int {
	r.n += 11
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 57
	case 2:
		return next(r, rest) + 58
	case 3:
		return next(r, rest) + 59
	case 4:
		return next(r, rest) + 60
	case 5:
		return next(r, rest) + 61
	case 6:
		return next(r, rest) + 62
	}
	return next(r, rest) ^ 8
}

func mwSession(r *req, rest []mw) int {
	r.n ^= 0x55
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 65
	case 2:
		return next(r, rest) + 66
	case 3:
		return next(r, rest) + 67
	case 4:
		return next(r, rest) + 68
	case 5:
		return next(r, rest) + 69
	case 6:
		return next(r, rest) + 70
	}
	return next(r, rest) ^ 9
}

func mwTenant(r *req, rest []mw) int {
	r.n += int(r.path[0])
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 73
	case 2:
		return next(r, rest) + 74
	case 3:
		return next(r, rest) + 75
	case 4:
		return next(r, rest) + 76
	case 5:
		return next(r, rest) + 77
	case 6:
		return next(r, rest) + 78
	}
	return next(r, rest) ^ 10
}

func mwCache(r *req, rest []mw) int {
	r.steps ^= 5
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 81
	case 2:
		return next(r, rest) + 82
	case 3:
		return next(r, rest) + 83
	case 4:
		return next(r, rest) + 84
	case 5:
		return next(r, rest) + 85
	case 6:
		return next(r, rest) + 86
	}
	return next(r, rest) ^ 11
}

func mwTimeout(r *req, rest []mw) int {
	r.n -= r.steps
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 89
	case 2:
		return next(r, rest) + 90
	case 3:
		return next(r, rest) + 91
	case 4:
		return next(r, rest) + 92
	case 5:
		return next(r, rest) + 93
	case 6:
		return next(r, rest) + 94
	}
	return next(r, rest) ^ 12
}

func mwRoute(r *req, rest []mw) int {
	r.n += 13
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 97
	case 2:
		return next(r, rest) + 98
	case 3:
		return next(r, rest) + 99
	case 4:
		return next(r, rest) + 100
	case 5:
		return next(r, rest) + 101
	case 6:
		return next(r, rest) + 102
	}
	return next(r, rest) ^ 13
}

func mwCompress(r *req, rest []mw) int {
	r.n += r.n >> 3
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 105
	case 2:
		return next(r, rest) + 106
	case 3:
		return next(r, rest) + 107
	case 4:
		return next(r, rest) + 108
	case 5:
		return next(r, rest) + 109
	case 6:
		return next(r, rest) + 110
	}
	return next(r, rest) ^ 14
}

func mwAudit(r *req, rest []mw) int {
	r.n -= r.n >> 2
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 113
	case 2:
		return next(r, rest) + 114
	case 3:
		return next(r, rest) + 115
	case 4:
		return next(r, rest) + 116
	case 5:
		return next(r, rest) + 117
	case 6:
		return next(r, rest) + 118
	}
	return next(r, rest) ^ 15
}

func mwQuota(r *req, rest []mw) int {
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 121
	case 2:
		return next(r, rest) + 122
	case 3:
		return next(r, rest) + 123
	case 4:
		return next(r, rest) + 124
	case 5:
		return next(r, rest) + 125
	case 6:
		return next(r, rest) + 126
	}
	return next(r, rest) ^ 16
}

func mwCsrf(r *req, rest []mw) int {
	r.n += len(r.path)
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 129
	case 2:
		return next(r, rest) + 130
	case 3:
		return next(r, rest) + 131
	case 4:
		return next(r, rest) + 132
	case 5:
		return next(r, rest) + 133
	case 6:
		return next(r, rest) + 134
	}
	return next(r, rest) ^ 17
}

func mwEtag(r *req, rest []mw) int {
	r.n ^= r.steps
	r.steps++
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 137
	case 2:
		return next(r, rest) + 138
	case 3:
		return next(r, rest) + 139
	case 4:
		return next(r, rest) + 140
	case 5:
		return next(r, rest) + 141
	case 6:
		return next(r, rest) + 142
	}
	return next(r, rest) ^ 18
}

func mwRetry(r *req, rest []mw) int {
	r.n += r.steps * 3
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 145
	case 2:
		return next(r, rest) + 146
	case 3:
		return next(r, rest) + 147
	case 4:
		return next(r, rest) + 148
	case 5:
		return next(r, rest) + 149
	case 6:
		return next(r, rest) + 150
	}
	return next(r, rest) ^ 19
}

func mwShadow(r *req, rest []mw) int {
	r.n -= 7
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 153
	case 2:
		return next(r, rest) + 154
	case 3:
		return next(r, rest) + 155
	case 4:
		return next(r, rest) + 156
	case 5:
		return next(r, rest) + 157
	case 6:
		return next(r, rest) + 158
	}
	return next(r, rest) ^ 20
}

func mwCanary(r *req, rest []mw) int {
	r.n |= 1
	r.steps++
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 161
	case 2:
		return next(r, rest) + 162
	case 3:
		return next(r, rest) + 163
	case 4:
		return next(r, rest) + 164
	case 5:
		return next(r, rest) + 165
	case 6:
		return next(r, rest) + 166
	}
	return next(r, rest) ^ 21
}

func mwLocale(r *req, rest []mw) int {
	r.steps += 2
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 169
	case 2:
		return next(r, rest) + 170
	case 3:
		return next(r, rest) + 171
	case 4:
		return next(r, rest) + 172
	case 5:
		return next(r, rest) + 173
	case 6:
		return next(r, rest) + 174
	}
	return next(r, rest) ^ 22
}

func mwFlags(r *req, rest []mw) int {
	r.n *= 3
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 177
	case 2:
		return next(r, rest) + 178
	case 3:
		return next(r, rest) + 179
	case 4:
		return next(r, rest) + 180
	case 5:
		return next(r, rest) + 181
	case 6:
		return next(r, rest) + 182
	}
	return next(r, rest) ^ 23
}

func mwDebug(r *req, rest []mw) int {
	r.n += 11
	r.steps++
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 185
	case 2:
		return next(r, rest) + 186
	case 3:
		return next(r, rest) + 187
	case 4:
		return next(r, rest) + 188
	case 5:
		return next(r, rest) + 189
	case 6:
		return next(r, rest) + 190
	}
	return next(r, rest) ^ 24
}

func mwBot(r *req, rest []mw) int {
	r.n ^= 0x55
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 193
	case 2:
		return next(r, rest) + 194
	case 3:
		return next(r, rest) + 195
	case 4:
		return next(r, rest) + 196
	case 5:
		return next(r, rest) + 197
	case 6:
		return next(r, rest) + 198
	}
	return next(r, rest) ^ 25
}

func mwGeo(r *req, rest []mw) int {
	r.n += int(r.path[0])
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 201
	case 2:
		return next(r, rest) + 202
	case 3:
		return next(r, rest) + 203
	case 4:
		return next(r, rest) + 204
	case 5:
		return next(r, rest) + 205
	case 6:
		return next(r, rest) + 206
	}
	return next(r, rest) ^ 26
}

func mwAbuse(r *req, rest []mw) int {
	r.steps ^= 5
	r.steps++
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 209
	case 2:
		return next(r, rest) + 210
	case 3:
		return next(r, rest) + 211
	case 4:
		return next(r, rest) + 212
	case 5:
		return next(r, rest) + 213
	case 6:
		return next(r, rest) + 214
	}
	return next(r, rest) ^ 27
}

func mwHedge(r *req, rest []mw) int {
	r.n -= r.steps
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 217
	case 2:
		return next(r, rest) + 218
	case 3:
		return next(r, rest) + 219
	case 4:
		return next(r, rest) + 220
	case 5:
		return next(r, rest) + 221
	case 6:
		return next(r, rest) + 222
	}
	return next(r, rest) ^ 28
}

func mwVary(r *req, rest []mw) int {
	r.n += 13
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 225
	case 2:
		return next(r, rest) + 226
	case 3:
		return next(r, rest) + 227
	case 4:
		return next(r, rest) + 228
	case 5:
		return next(r, rest) + 229
	case 6:
		return next(r, rest) + 230
	}
	return next(r, rest) ^ 29
}

func mwProxy(r *req, rest []mw) int {
	r.n += r.n >> 3
	r.steps++
	switch (r.n >> 2) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 233
	case 2:
		return next(r, rest) + 234
	case 3:
		return next(r, rest) + 235
	case 4:
		return next(r, rest) + 236
	case 5:
		return next(r, rest) + 237
	case 6:
		return next(r, rest) + 238
	}
	return next(r, rest) ^ 30
}

func mwSign(r *req, rest []mw) int {
	r.n -= r.n >> 2
	r.steps++
	switch (r.n >> 0) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 241
	case 2:
		return next(r, rest) + 242
	case 3:
		return next(r, rest) + 243
	case 4:
		return next(r, rest) + 244
	case 5:
		return next(r, rest) + 245
	case 6:
		return next(r, rest) + 246
	}
	return next(r, rest) ^ 31
}

func mwBudget(r *req, rest []mw) int {
	r.steps++
	r.steps++
	switch (r.n >> 1) & 7 {
	case 0:
		return next(r, rest)
	case 1:
		return next(r, rest) + 249
	case 2:
		return next(r, rest) + 250
	case 3:
		return next(r, rest) + 251
	case 4:
		return next(r, rest) + 252
	case 5:
		return next(r, rest) + 253
	case 6:
		return next(r, rest) + 254
	}
	return next(r, rest) ^ 32
}

var middlewares = []mw{mwAuth, mwLog, mwTrace, mwGzip, mwCors, mwLimit, mwRecover, mwMetrics, mwSession, mwTenant, mwCache, mwTimeout, mwRoute, mwCompress, mwAudit, mwQuota, mwCsrf, mwEtag, mwRetry, mwShadow, mwCanary, mwLocale, mwFlags, mwDebug, mwBot, mwGeo, mwAbuse, mwHedge, mwVary, mwProxy, mwSign, mwBudget}

// checksum is too large for the default inlining budget but small enough for a hot call site.
func checksum(b []byte) uint32 {
	var h uint32 = 2166136261
	for i, c := range b {
		h ^= uint32(c)
		h *= 16777619
		if i%7 == 0 {
			h ^= h >> 13
		}
		if i%11 == 0 {
			h += uint32(i)
		}
		if c == ',' {
			h = h*31 + 17
		} else if c == ':' {
			h = h*37 + 19
		}
	}
	h ^= crc32.ChecksumIEEE(b[:len(b)/2])
	return h
}

func render(r *req) []byte {
	b := r.buf[:0]
	for i := 0; i < 256; i++ {
		b = append(b, "item:"...)
		b = strconv.AppendInt(b, int64(r.n+i), 10)
		b = append(b, ',')
	}
	r.buf = b
	return b
}

func handleList(r *req, _ []mw) int {
	return int(checksum(render(r)))
}

var words = strings.Fields("delta alpha echo charlie bravo golf foxtrot hotel india kilo juliet lima")

func handleSort(r *req, _ []mw) int {
	sorted := r.words[:0]
	for i := range words {
		sorted = append(sorted, words[uint(i+r.steps)%uint(len(words))])
	}
	sort.Strings(sorted)
	b := r.buf[:0]
	for _, w := range sorted {
		b = append(append(b, w...), ',')
	}
	r.buf, r.words = b, sorted
	return int(checksum(b)) + r.n
}

type tree struct {
	left *tree
	val  int
}

func build(depth int) *tree {
	if depth == 0 {
		return nil
	}
	return &tree{left: build(depth - 1), val: depth}
}

// walk recurses down a degenerate tree, one frame per level.
func walk(t *tree, r *req) int {
	if t.left == nil {
		return int(checksum(render(r)))
	}
	return walk(t.left, r) + t.val
}

var trees = func() []*tree {
	ts := make([]*tree, 81)
	for d := 1; d <= 80; d++ {
		ts[d] = build(d)
	}
	return ts
}()

func handleWalk(r *req, _ []mw) int {
	return walk(trees[30+uint(r.steps)%51], r)
}

var handlers = []mw{handleList, handleSort, handleWalk}

// rng is a xorshift generator: cheap, so that random choices barely show in the profile.
type rng uint64

func (x *rng) intn(n int) int {
	*x ^= *x << 13
	*x ^= *x >> 7
	*x ^= *x << 17
	return int(uint64(*x) % uint64(n))
}

func serve(rng *rng, r *req) int {
	depth := 30 + rng.intn(51)
	// The chain buffer is reused: no allocation, so no garbage collector in the profile.
	chain := r.chain[:depth]
	for i := range chain {
		chain[i] = middlewares[rng.intn(len(middlewares))]
	}
	chain = append(chain, handlers[rng.intn(len(handlers))])
	r.chain = chain
	return chain[0](r, chain[1:])
}

func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		log.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func main() {
	out := flag.String("cpuprofile", "cpu.pprof", "where to write the CPU profile")
	cpu := flag.Duration("cpu", 2*time.Second, "run until the process has used this much CPU time")
	dur := flag.Duration("duration", 20*time.Second, "but no longer than this")
	seed := flag.Uint64("seed", 1, "varies the work between runs")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	// More samples per CPU second than the default 100 Hz (StartCPUProfile then warns that the
	// rate is already set, and keeps this one).
	runtime.SetCPUProfileRate(1000)
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	state := rng(*seed*2654435761 + 1)
	r := &req{path: "/v1/items", buf: make([]byte, 0, 4096), words: make([]string, 0, len(words)), chain: make([]mw, 0, 81)}
	end := time.Now().Add(*dur)
	total := 0
	for cpuTime() < *cpu && time.Now().Before(end) {
		pprof.Do(context.Background(), pprof.Labels("endpoint", r.path), func(context.Context) {
			for i := 0; i < 100; i++ {
				total += serve(&state, r)
			}
		})
	}
	pprof.StopCPUProfile()
	f.Close()
	if total == 42 {
		log.Print("unlikely")
	}
}
