package gitfetch

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/memory"
)

// cappedStorage is in-memory storage that refuses packs larger than
// maxPack bytes and objects inflating past maxObjects bytes in total.
//
// go-git hands a fetched pack to a storage implementing
// storer.PackfileWriter as a byte stream; that is where the pack is
// counted, before anything is parsed.
type cappedStorage struct {
	*memory.Storage
	maxPack    int64
	maxObjects int64
	objects    int64
	packBytes  int64
}

func newCappedStorage(maxPack, maxObjects int64) *cappedStorage {
	return &cappedStorage{Storage: memory.NewStorage(), maxPack: maxPack, maxObjects: maxObjects}
}

// PackfileWriter implements storer.PackfileWriter.
func (s *cappedStorage) PackfileWriter() (io.WriteCloser, error) {
	return &packWriter{s: s}, nil
}

// SetEncodedObject counts the inflated size of every object stored.
func (s *cappedStorage) SetEncodedObject(obj plumbing.EncodedObject) (plumbing.Hash, error) {
	s.objects += obj.Size()
	if s.objects > s.maxObjects {
		return plumbing.ZeroHash, fmt.Errorf("%w: objects inflate past %d bytes", ErrTooLarge, s.maxObjects)
	}
	return s.Storage.SetEncodedObject(obj)
}

type packWriter struct {
	s   *cappedStorage
	buf bytes.Buffer
	err error
}

func (w *packWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if int64(w.buf.Len()+len(p)) > w.s.maxPack {
		w.err = fmt.Errorf("%w: pack exceeds %d bytes", ErrTooLarge, w.s.maxPack)
		return 0, w.err
	}
	return w.buf.Write(p)
}

// Close parses the received pack into the storage.
func (w *packWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	w.s.packBytes += int64(w.buf.Len())
	if w.buf.Len() == 0 {
		return nil
	}
	parser, err := packfile.NewParserWithStorage(packfile.NewScanner(bytes.NewReader(w.buf.Bytes())), w.s)
	if err != nil {
		return fmt.Errorf("read pack: %w", err)
	}
	if _, err := parser.Parse(); err != nil {
		return fmt.Errorf("parse pack: %w", err)
	}
	return nil
}
