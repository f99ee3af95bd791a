package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkWebhookReads is what the API reads from the ledger for every
// build it starts (a webhook's push among them): the commit's chain push
// and who is credited with the commit (CommitOrigin), on a ledger of
// 10,000 builds.
func BenchmarkWebhookReads(b *testing.B) {
	ctx := context.Background()
	l, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for i := range 10000 {
		build := sampleBuild()
		build.ID, build.Project, build.Commit = fmt.Sprint("build/", i), "hello", fmt.Sprintf("%040x", i)
		if err := l.RecordBuildStarted(ctx, build); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			commit := fmt.Sprintf("%040x", 20000+i)
			if o, err := l.CommitOrigin(ctx, "hello", commit); err != nil || o.ChainPush != nil {
				b.Fatal(o, err)
			}
		}
	})
}
