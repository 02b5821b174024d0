package io.notifyrelay.client;

import io.notifyrelay.core.Cursor;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CursorBookTest {

    private static String cursor(String epoch, int partition, long offset) {
        return new Cursor(epoch, partition, offset).encode(); // the server's own encoder
    }

    @Test
    void decodesWhatTheServerEncodes() {
        String encoded = cursor("AbC-123_x", 7, 42);
        CursorBook.Position position = CursorBook.decode(encoded).orElseThrow();
        assertEquals("AbC-123_x", position.epoch());
        assertEquals(7, position.partition());
        assertEquals(42, position.offset());
        assertEquals(encoded, position.cursor());
    }

    @Test
    void refusesWhatIsNotACursor() {
        assertTrue(CursorBook.decode(null).isEmpty());
        assertTrue(CursorBook.decode("").isEmpty());
        assertTrue(CursorBook.decode("not base64 !").isEmpty());
        assertTrue(CursorBook.decode(java.util.Base64.getUrlEncoder().encodeToString("c2:e:1:2".getBytes())).isEmpty());
        assertTrue(CursorBook.decode(java.util.Base64.getUrlEncoder().encodeToString("c1:e:x:2".getBytes())).isEmpty());
        assertTrue(CursorBook.decode(java.util.Base64.getUrlEncoder().encodeToString("c1:e:1:-2".getBytes())).isEmpty());
        assertTrue(CursorBook.decode("A".repeat(300)).isEmpty());
    }

    @Test
    void keepsTheLastCursorPerPartition() {
        CursorBook book = new CursorBook();
        assertTrue(book.advance(CursorBook.decode(cursor("e", 1, 10)).orElseThrow()));
        assertTrue(book.advance(CursorBook.decode(cursor("e", 2, 5)).orElseThrow()));
        assertTrue(book.advance(CursorBook.decode(cursor("e", 1, 11)).orElseThrow()));
        assertFalse(book.advance(CursorBook.decode(cursor("e", 1, 9)).orElseThrow()), "an older event (a replayed duplicate)");
        assertFalse(book.advance(CursorBook.decode(cursor("e", 1, 11)).orElseThrow()));
        assertEquals(List.of(cursor("e", 1, 11), cursor("e", 2, 5)), book.cursors(), "by partition");
    }

    @Test
    void aNewEpochReplacesTheOldCursorWhateverItsOffset() {
        CursorBook book = new CursorBook();
        book.advance(CursorBook.decode(cursor("old", 3, 1000)).orElseThrow());
        assertTrue(book.advance(CursorBook.decode(cursor("new", 3, 2)).orElseThrow()));
        assertEquals(2, book.get(3).orElseThrow().offset());
    }

    @Test
    void seedsFromSavedCursorsAndSkipsGarbage() {
        CursorBook book = new CursorBook();
        book.seed(List.of(cursor("e", 0, 1), "garbage", cursor("e", 0, 4), cursor("e", 5, 9)));
        assertEquals(List.of(cursor("e", 0, 4), cursor("e", 5, 9)), book.cursors());
    }
}
