package io.notifyrelay.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumePlanTest {

    private static ResumePlan plan(Cursor... cursors) {
        List<String> encoded = java.util.Arrays.stream(cursors).map(Cursor::encode).toList();
        return ResumePlan.parse(new ClientFrame.Subscribe(null, encoded, null), "e1");
    }

    @Test
    void theNextOffsetAfterACursor() {
        ResumePlan plan = plan(new Cursor("e1", 3, 41), new Cursor("e1", 3, 9), new Cursor("e1", 5, 0));
        assertEquals(Map.of(3, 42L, 5, 1L), plan.fromOffsets());
        assertEquals(null, plan.problem());
    }

    @Test
    void aCursorAtTheLargestOffsetDoesNotOverflowAndIsOutOfRange() {
        ResumePlan plan = plan(new Cursor("e1", 3, Long.MAX_VALUE), new Cursor("e1", 4, 7));
        assertEquals("cursor_out_of_range", plan.problem());
        assertTrue(!plan.fromOffsets().containsKey(3), "nothing replayed from it: " + plan.fromOffsets());
        assertEquals(8L, plan.fromOffsets().get(4));
    }
}
