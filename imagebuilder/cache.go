package imagebuilder

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// TagCache remembers the tags of component versions between Lists. The
// entry of a version is keyed by its version ARN and the creation date the
// listing reports for it, which changes when anyone adds a build version;
// so a hit is always the tags of what the listing shows.
type TagCache struct {
	mu      sync.Mutex
	entries map[string]componentTags
}

// componentTags is what List needs of a component version beyond the
// listing: its newest build's ARN and tags, and how many builds it has.
type componentTags struct {
	buildArn string
	builds   int
	tags     map[string]string
}

// maxCacheEntries bounds the cache; beyond it, it starts over rather than
// grow without end in a process serving many repositories.
const maxCacheEntries = 200_000

// NewTagCache returns an empty cache.
func NewTagCache() *TagCache { return &TagCache{entries: map[string]componentTags{}} }

func (c *TagCache) get(key string) (componentTags, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

func (c *TagCache) put(key string, e componentTags) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCacheEntries {
		c.entries = map[string]componentTags{}
	}
	e.tags = maps.Clone(e.tags)
	c.entries[key] = e
}

// forget drops the entries of the version at versionArn (normalArn).
func (c *TagCache) forget(versionArn string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(strings.ToLower(k), versionArn+"@") {
			delete(c.entries, k)
		}
	}
}

// Len is the number of cached component versions.
func (c *TagCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// cacheEntry is the stored form of one cached component version.
type cacheEntry struct {
	Key      string            `json:"key"`
	BuildArn string            `json:"buildArn"`
	Builds   int               `json:"builds"`
	Tags     map[string]string `json:"tags"`
}

// MarshalJSON lets the reconciler keep the cache between processes (for
// example in a key-value bucket per environment), so that even the first
// plan after a restart costs only the listings.
func (c *TagCache) MarshalJSON() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]cacheEntry, 0, len(c.entries))
	for k, e := range c.entries {
		out = append(out, cacheEntry{Key: k, BuildArn: e.buildArn, Builds: e.builds, Tags: e.tags})
	}
	slices.SortFunc(out, func(a, b cacheEntry) int { return strings.Compare(a.Key, b.Key) })
	return json.Marshal(out)
}

// UnmarshalJSON restores a cache written by MarshalJSON, adding to what
// the cache holds.
func (c *TagCache) UnmarshalJSON(b []byte) error {
	var in []cacheEntry
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("read tag cache: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]componentTags{}
	}
	for _, e := range in {
		if len(c.entries) >= maxCacheEntries {
			break
		}
		c.entries[e.Key] = componentTags{buildArn: e.BuildArn, builds: e.Builds, tags: e.Tags}
	}
	return nil
}
