package temporalconfig

import (
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
)

func TestSearchAttributesParse(t *testing.T) {
	attrs, err := SearchAttributes()
	require.NoError(t, err)
	require.Contains(t, attrs, SearchAttribute{Name: "DroverProject", Type: "Keyword"})
	require.Contains(t, attrs, SearchAttribute{Name: "DroverApprovers", Type: "KeywordList"})
	typ, err := SearchAttribute{Name: "DroverApprovers", Type: "KeywordList"}.IndexedValueType()
	require.NoError(t, err)
	require.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST, typ)
	_, err = SearchAttribute{Name: "X", Type: "Nope"}.IndexedValueType()
	require.ErrorContains(t, err, `unknown type "Nope"`)
}

func TestDynamicConfigLines(t *testing.T) {
	require.Contains(t, DynamicConfig(), "matching.numTaskqueueReadPartitions=1")
	require.Equal(t, []string{"a=1", "b=2"}, lines("# comment\n a=1 \n\nb=2\n"))
}

func TestSQLitePragmasLines(t *testing.T) {
	require.Equal(t, []string{"journal_mode=WAL", "synchronous=NORMAL"}, SQLitePragmas())
}
