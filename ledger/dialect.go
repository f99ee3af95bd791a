package ledger

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sqliteTimeLayout is fixed-width (always six fractional digits, always "Z"), so
// SQLite's text ordering of stored timestamps is their time ordering.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// normTime is t in UTC truncated to microseconds, the precision both backends keep.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// rebind rewrites the ? placeholders of query for the ledger's dialect: $1, $2 …
// for PostgreSQL. Question marks inside single-quoted literals are left alone.
func (l *Ledger) rebind(query string) string {
	if l.dialect != DialectPostgres {
		return query
	}
	return rebindDollar(query)
}

func rebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeArg is the value stored for t.
func (l *Ledger) timeArg(t time.Time) any {
	t = normTime(t)
	if l.dialect == DialectSQLite {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// timePtrArg is the value stored for an optional time: NULL when t is nil.
func (l *Ledger) timePtrArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return l.timeArg(*t)
}

// dbTime scans a timestamp column of either backend; Valid is false for NULL.
type dbTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = dbTime{}
		return nil
	case time.Time:
		*d = dbTime{Time: normTime(v), Valid: true}
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("scan timestamp: unsupported type %T", src)
	}
}

func (d *dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan timestamp %q: %w", s, err)
	}
	*d = dbTime{Time: normTime(t), Valid: true}
	return nil
}

// Ptr is the scanned time, or nil for NULL.
func (d dbTime) Ptr() *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.Time
	return &t
}

// redactDSN hides the password and the query (which may hold one) of a URL dsn,
// for errors and logs.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable dsn)"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}
