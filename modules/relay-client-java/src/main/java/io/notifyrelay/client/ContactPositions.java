package io.notifyrelay.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How far a contact subscription got, contact by contact: the position of the session serving each contact,
 * saved when it leaves a session, and folded into one cursor per partition for a subscribe or for
 * {@link NotifyRelayClient#cursors()}.
 */
final class ContactPositions {

    private final ClientState s;

    ContactPositions(ClientState s) {
        this.s = s;
    }

    /**
     * The position up to which this client has every event of {@code contact}: the position its serving
     * session reached, else the one saved when it last left a session, else a saved cursor of its partition.
     */
    CursorBook.Position contactCursor(String contact) {
        Integer partition = s.contactPartition.get(contact);
        String url = s.assignment.get(contact);
        Node node = url == null ? null : s.nodes.get(url);
        if (partition != null && node != null && node.served.contains(contact)) {
            CursorBook.Position position = node.positions.get(partition);
            if (position != null) {
                return position;
            }
        }
        CursorBook.Position saved = s.contactCursors.get(contact);
        if (saved != null) {
            return saved;
        }
        return partition == null ? null : s.seedCursors.get(partition).orElse(null);
    }

    /** Remembers how far the session got for contacts that leave it (moved away, session gone). */
    void saveContactCursors(Node node, Collection<String> leaving) {
        for (String contact : leaving) {
            Integer partition = s.contactPartition.get(contact);
            CursorBook.Position position = partition == null ? null : node.positions.get(partition);
            if (position != null && node.served.contains(contact)) {
                s.contactCursors.merge(contact, position, CursorBook::newer);
            }
        }
    }

    /**
     * One cursor per partition for these contacts: the oldest of theirs, so the replay covers each of them. A
     * partition with a contact that has no cursor gets none: the since time covers it.
     */
    List<String> cursorsFor(Collection<String> batch) {
        Map<Integer, CursorBook.Position> oldest = new TreeMap<>();
        Set<Integer> without = new TreeSet<>();
        for (String contact : batch) {
            Integer partition = s.contactPartition.get(contact);
            if (partition == null) {
                continue;
            }
            CursorBook.Position position = contactCursor(contact);
            if (position == null) {
                without.add(partition);
            } else {
                oldest.merge(partition, position, CursorBook::older);
            }
        }
        List<String> result = new ArrayList<>();
        oldest.forEach((partition, position) -> {
            if (!without.contains(partition)) {
                result.add(position.cursor());
            }
        });
        return result;
    }

    /** For {@link NotifyRelayClient#cursors()} in contact mode: per partition, the oldest position of its contacts. */
    List<String> contactModeCursors() {
        return cursorsFor(s.contacts);
    }
}
