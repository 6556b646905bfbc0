// grpc-go-bench: the bench's grpc-go peer, one binary with two roles.
//
//	grpc-go-bench server                       a fast greet.v1.GreeterService server (for the consumer rows)
//	grpc-go-bench load -addr HOST:PORT -kind K  a load client (for the provider rows h2load cannot drive)
//
// Built from Debian's golang-go and golang-google-grpc-dev, offline (GO111MODULE=off GOPATH=/usr/share/gocode) by
// bench/lib/grpc-go.mjs. Messages are encoded by hand (greet.v1 has one string field each), so no generated code is
// needed: a pass-through codec registered as "proto" carries the bytes. The server answers exactly as the Node
// servers of the bench do (bench/lib/greeting.mjs); the load client checks every reply.
//
// Output: one JSON line on stdout — {"event":"listening","port":N} or {"event":"result",...}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// rawCodec passes already encoded protobuf bytes through.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case *[]byte:
		return *b, nil
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*p = append((*p)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func init() { encoding.RegisterCodec(rawCodec{}) }

// encodeString encodes a message whose field 1 is the string s (GreetRequest.name, GreetResponse.greeting).
func encodeString(s string) []byte {
	out := make([]byte, 0, len(s)+6)
	out = append(out, 0x0a)
	n := uint64(len(s))
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	out = append(out, byte(n))
	return append(out, s...)
}

// decodeString reads field 1 (a string) of a greet.v1 message; other fields are skipped.
func decodeString(b []byte) (string, error) {
	result := ""
	for i := 0; i < len(b); {
		tag, n := uvarint(b[i:])
		if n <= 0 {
			return "", errors.New("bad tag")
		}
		i += n
		switch tag & 7 {
		case 0:
			_, m := uvarint(b[i:])
			if m <= 0 {
				return "", errors.New("bad varint")
			}
			i += m
		case 2:
			l, m := uvarint(b[i:])
			if m <= 0 || i+m+int(l) > len(b) {
				return "", errors.New("bad length")
			}
			i += m
			if tag>>3 == 1 {
				result = string(b[i : i+int(l)])
			}
			i += int(l)
		default:
			return "", fmt.Errorf("unexpected wire type %d", tag&7)
		}
	}
	return result, nil
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		x |= uint64(c&0x7f) << (7 * uint(i))
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

func greeting(name string) string { return "hello, " + name }

// streamCount is how many replies GreetStream sends for a name ("stream:<n>", else 1), as bench/lib/greeting.mjs.
func streamCount(name string) int {
	if !strings.HasPrefix(name, "stream:") {
		return 1
	}
	n, err := strconv.Atoi(name[7:])
	if err != nil || n < 1 {
		return 1
	}
	if n > 100000 {
		return 100000
	}
	return n
}

// ---- server ----

type greeter interface{}

func serveGreet(_ interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	name, err := decodeString(in)
	if err != nil {
		return nil, err
	}
	return encodeString(greeting(name)), nil
}

func serveGreetStream(_ interface{}, stream grpc.ServerStream) error {
	var in []byte
	if err := stream.RecvMsg(&in); err != nil {
		return err
	}
	name, err := decodeString(in)
	if err != nil {
		return err
	}
	for i := 1; i <= streamCount(name); i++ {
		if err := stream.SendMsg(encodeString(greeting(strconv.Itoa(i)))); err != nil {
			return err
		}
	}
	return nil
}

func serveGreetClientStream(_ interface{}, stream grpc.ServerStream) error {
	count := 0
	var in []byte
	for {
		err := stream.RecvMsg(&in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		count++
	}
	return stream.SendMsg(encodeString(greeting(strconv.Itoa(count))))
}

func serveGreetBidi(_ interface{}, stream grpc.ServerStream) error {
	var in []byte
	for {
		err := stream.RecvMsg(&in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, err := decodeString(in)
		if err != nil {
			return err
		}
		if err := stream.SendMsg(encodeString(greeting(name))); err != nil {
			return err
		}
	}
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "greet.v1.GreeterService",
	HandlerType: (*greeter)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Greet", Handler: serveGreet}},
	Streams: []grpc.StreamDesc{
		{StreamName: "GreetStream", Handler: serveGreetStream, ServerStreams: true},
		{StreamName: "GreetClientStream", Handler: serveGreetClientStream, ClientStreams: true},
		{StreamName: "GreetBidi", Handler: serveGreetBidi, ServerStreams: true, ClientStreams: true},
	},
}

func runServer(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	port := fs.Int("port", 0, "port on 127.0.0.1 (0: any free port)")
	fs.Parse(args)
	lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fail(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&serviceDesc, struct{}{})
	emit(map[string]interface{}{"event": "listening", "port": lis.Addr().(*net.TCPAddr).Port})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		s.Stop()
	}()
	if err := s.Serve(lis); err != nil && err != grpc.ErrServerStopped {
		fail(err)
	}
}

// ---- load client ----

// counters of the load; messages and calls are counted as they complete.
type counters struct {
	messages int64
	calls    int64
	errors   int64
	measure  int32 // 1 while the measured window is open
	mu       sync.Mutex
	latency  []float64 // ms per call completed in the window
	first    error
}

func (c *counters) failed(err error) {
	atomic.AddInt64(&c.errors, 1)
	c.mu.Lock()
	if c.first == nil {
		c.first = err
	}
	c.mu.Unlock()
}

func (c *counters) callDone(start time.Time, messages int64) {
	atomic.AddInt64(&c.calls, 1)
	if messages > 0 {
		atomic.AddInt64(&c.messages, messages)
	}
	if atomic.LoadInt32(&c.measure) == 1 {
		ms := float64(time.Since(start).Microseconds()) / 1000
		c.mu.Lock()
		c.latency = append(c.latency, ms)
		c.mu.Unlock()
	}
}

var (
	greetPath        = "/greet.v1.GreeterService/Greet"
	greetStreamPath  = "/greet.v1.GreeterService/GreetStream"
	clientStreamPath = "/greet.v1.GreeterService/GreetClientStream"
	bidiPath         = "/greet.v1.GreeterService/GreetBidi"
)

func expect(got []byte, want string) error {
	s, err := decodeString(got)
	if err != nil {
		return err
	}
	if s != want {
		return fmt.Errorf("unexpected reply %q, want %q", s, want)
	}
	return nil
}

func callUnary(ctx context.Context, cc *grpc.ClientConn, c *counters, req []byte, want string) error {
	start := time.Now()
	var out []byte
	if err := cc.Invoke(ctx, greetPath, req, &out); err != nil {
		return err
	}
	if err := expect(out, want); err != nil {
		return err
	}
	c.callDone(start, 1)
	return nil
}

func callServerStream(ctx context.Context, cc *grpc.ClientConn, c *counters, req []byte, n int) error {
	start := time.Now()
	s, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, greetStreamPath)
	if err != nil {
		return err
	}
	if err := s.SendMsg(req); err != nil {
		return err
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	var out []byte
	got := 0
	for {
		err := s.RecvMsg(&out)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		got++
		if err := expect(out, greeting(strconv.Itoa(got))); err != nil {
			return err
		}
		atomic.AddInt64(&c.messages, 1)
	}
	if got != n {
		return fmt.Errorf("got %d messages, want %d", got, n)
	}
	c.callDone(start, 0)
	return nil
}

func callClientStream(ctx context.Context, cc *grpc.ClientConn, c *counters, req []byte, n int) error {
	start := time.Now()
	s, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, clientStreamPath)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := s.SendMsg(req); err != nil {
			return err
		}
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	var out []byte
	if err := s.RecvMsg(&out); err != nil {
		return err
	}
	if err := expect(out, greeting(strconv.Itoa(n))); err != nil {
		return err
	}
	if err := s.RecvMsg(&out); err != io.EOF {
		return fmt.Errorf("expected the end of the call, got %v", err)
	}
	c.callDone(start, int64(n))
	return nil
}

func callBidi(ctx context.Context, cc *grpc.ClientConn, c *counters, reqs [][]byte, wants []string) error {
	start := time.Now()
	s, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, bidiPath)
	if err != nil {
		return err
	}
	var out []byte
	for i := range reqs {
		if err := s.SendMsg(reqs[i]); err != nil {
			return err
		}
		if err := s.RecvMsg(&out); err != nil {
			return err
		}
		if err := expect(out, wants[i]); err != nil {
			return err
		}
		atomic.AddInt64(&c.messages, 1)
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	if err := s.RecvMsg(&out); err != io.EOF {
		return fmt.Errorf("expected the end of the call, got %v", err)
	}
	c.callDone(start, 0)
	return nil
}

func runLoad(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	addr := fs.String("addr", "", "host:port of the server")
	kind := fs.String("kind", "bidi", "unary | server-stream | client-stream | bidi")
	calls := fs.Int("calls", 16, "concurrent calls on the one connection")
	messages := fs.Int("messages", 500, "messages per streaming call")
	name := fs.String("name", "world", "the name sent (unary, client-stream)")
	warmupMs := fs.Int("warmup-ms", 1000, "warm-up, not counted")
	durationMs := fs.Int("duration-ms", 2000, "measured window")
	fs.Parse(args)

	cc, err := grpc.Dial(*addr, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithTimeout(10*time.Second))
	if err != nil {
		fail(err)
	}
	defer cc.Close()

	req := encodeString(*name)
	bidiReqs := make([][]byte, *messages)
	bidiWants := make([]string, *messages)
	for i := range bidiReqs {
		bidiReqs[i] = encodeString(strconv.Itoa(i + 1))
		bidiWants[i] = greeting(strconv.Itoa(i + 1))
	}
	streamReq := encodeString("stream:" + strconv.Itoa(*messages))
	want := greeting(*name)
	c := &counters{}
	one := func(ctx context.Context) error {
		switch *kind {
		case "unary":
			return callUnary(ctx, cc, c, req, want)
		case "server-stream":
			return callServerStream(ctx, cc, c, streamReq, *messages)
		case "client-stream":
			return callClientStream(ctx, cc, c, req, *messages)
		case "bidi":
			return callBidi(ctx, cc, c, bidiReqs, bidiWants)
		}
		return fmt.Errorf("unknown kind %q", *kind)
	}
	// One call first: the connection is up and the reply right before anything is timed.
	if err := one(context.Background()); err != nil {
		fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stop int32
	var wg sync.WaitGroup
	for w := 0; w < *calls; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.LoadInt32(&stop) == 0 {
				if err := one(ctx); err != nil {
					if atomic.LoadInt32(&stop) == 1 {
						return
					}
					c.failed(err)
					if atomic.LoadInt64(&c.errors) > 100 {
						return
					}
				}
			}
		}()
	}
	time.Sleep(time.Duration(*warmupMs) * time.Millisecond)
	m0, k0, t0 := atomic.LoadInt64(&c.messages), atomic.LoadInt64(&c.calls), time.Now()
	atomic.StoreInt32(&c.measure, 1)
	time.Sleep(time.Duration(*durationMs) * time.Millisecond)
	atomic.StoreInt32(&c.measure, 0)
	m1, k1, seconds := atomic.LoadInt64(&c.messages), atomic.LoadInt64(&c.calls), time.Since(t0).Seconds()
	atomic.StoreInt32(&stop, 1)
	cancel()
	wg.Wait()

	c.mu.Lock()
	lat := append([]float64(nil), c.latency...)
	first := c.first
	c.mu.Unlock()
	sort.Float64s(lat)
	result := map[string]interface{}{
		"event":       "result",
		"calls":       k1 - k0,
		"messages":    m1 - m0,
		"seconds":     seconds,
		"callsPerSec": float64(k1-k0) / seconds,
		"msgsPerSec":  float64(m1-m0) / seconds,
		"p50Ms":       percentile(lat, 50),
		"p99Ms":       percentile(lat, 99),
		"errors":      atomic.LoadInt64(&c.errors),
	}
	if first != nil {
		result["firstError"] = first.Error()
	}
	emit(result)
}

// percentile is the nearest-rank percentile of sorted values (NaN-free: -1 when empty).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return -1
	}
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func emit(v interface{}) {
	b, _ := json.Marshal(v)
	os.Stdout.Write(append(b, '\n'))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "grpc-go-bench:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: grpc-go-bench server|load [flags]"))
	}
	switch os.Args[1] {
	case "server":
		runServer(os.Args[2:])
	case "load":
		runLoad(os.Args[2:])
	default:
		fail(fmt.Errorf("unknown role %q", os.Args[1]))
	}
}
