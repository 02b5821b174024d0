package io.notifyrelay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Several threads subscribe and unsubscribe while another one looks recipients up, as sessions and the consumer
 * loop do. Each writer owns its subscribers and keeps a model of what they are subscribed to, so the registry's
 * final state can be checked exactly; subscribers nobody touches must be seen exactly once by every lookup.
 */
class SubscriptionRegistryConcurrencyTest {

    private static final List<String> LOBS = List.of("lob-0", "lob-1", "lob-2");
    private static final List<String> CONTACTS = List.of("c0", "c1", "c2", "c3", "c4");
    private static final int WRITERS = 4;
    private static final int SUBSCRIBERS_PER_WRITER = 8;
    private static final int OPERATIONS_PER_WRITER = 20_000;

    /** What one subscriber is subscribed to, in one writer's model. */
    private static final class Model {
        final Set<String> lobWide = new HashSet<>();
        final Map<String, Set<String>> contacts = new HashMap<>();

        boolean receives(String lob, String contact) {
            return lobWide.contains(lob) || contacts.getOrDefault(lob, Set.of()).contains(contact);
        }

        boolean any(String lob) {
            return lobWide.contains(lob) || !contacts.getOrDefault(lob, Set.of()).isEmpty();
        }
    }

    @RepeatedTest(3)
    void concurrentChangesLoseNothingAndLookupsNeverFail() throws Exception {
        SubscriptionRegistry<TestSubscriber> registry = new SubscriptionRegistry<>();

        // never touched during the run: lob-0 and lob-1 are never empty, lob-2 empties and refills all the time
        TestSubscriber stableLobWide = new TestSubscriber("stableLobWide");
        TestSubscriber stableContact = new TestSubscriber("stableContact");
        registry.subscribeLob("lob-0", stableLobWide);
        registry.subscribeContacts("lob-1", List.of("c0"), stableContact);

        Map<TestSubscriber, Model> models = new HashMap<>();
        List<List<TestSubscriber>> owned = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            List<TestSubscriber> mine = new ArrayList<>();
            for (int s = 0; s < SUBSCRIBERS_PER_WRITER; s++) {
                TestSubscriber subscriber = new TestSubscriber("w" + w + "s" + s);
                mine.add(subscriber);
                models.put(subscriber, new Model());
            }
            owned.add(mine);
        }

        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writersDone = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong lookups = new AtomicLong();

        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            List<TestSubscriber> mine = owned.get(w);
            long seed = 1000L + w;
            writers.add(new Thread(() -> {
                try {
                    start.await();
                    Random random = new Random(seed);
                    for (int i = 0; i < OPERATIONS_PER_WRITER; i++) {
                        TestSubscriber subscriber = mine.get(random.nextInt(mine.size()));
                        Model model = models.get(subscriber); // only this thread touches this model
                        String lob = LOBS.get(random.nextInt(LOBS.size()));
                        List<String> contacts = randomContacts(random);
                        switch (random.nextInt(4)) {
                            case 0:
                                registry.subscribeLob(lob, subscriber);
                                model.lobWide.add(lob);
                                break;
                            case 1:
                                registry.unsubscribeLob(lob, subscriber);
                                model.lobWide.remove(lob);
                                break;
                            case 2:
                                registry.subscribeContacts(lob, contacts, subscriber);
                                model.contacts.computeIfAbsent(lob, l -> new HashSet<>()).addAll(contacts);
                                break;
                            default:
                                registry.unsubscribeContacts(lob, contacts, subscriber);
                                model.contacts.getOrDefault(lob, new HashSet<>()).removeAll(contacts);
                                break;
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "writer-" + w));
        }

        Thread reader = new Thread(() -> {
            try {
                start.await();
                Random random = new Random(99L);
                while (!writersDone.get()) {
                    String lob = LOBS.get(random.nextInt(LOBS.size()));
                    String contact = CONTACTS.get(random.nextInt(CONTACTS.size()));
                    Map<TestSubscriber, Integer> got = new HashMap<>();
                    int count = registry.forEachRecipient(lob, contact, s -> got.merge(s, 1, Integer::sum));
                    int handed = got.values().stream().mapToInt(Integer::intValue).sum();
                    check(count == handed, "count " + count + " but handed " + handed);
                    int expectLobWide = lob.equals("lob-0") ? 1 : 0;
                    int expectContact = lob.equals("lob-1") && contact.equals("c0") ? 1 : 0;
                    check(got.getOrDefault(stableLobWide, 0) == expectLobWide,
                            "stable LOB-wide subscriber got (" + lob + ", " + contact + ") " + got.get(stableLobWide));
                    check(got.getOrDefault(stableContact, 0) == expectContact,
                            "stable contact subscriber got (" + lob + ", " + contact + ") " + got.get(stableContact));
                    lookups.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "reader");

        writers.forEach(Thread::start);
        reader.start();
        start.countDown();
        for (Thread writer : writers) {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        writersDone.set(true);
        reader.join(TimeUnit.SECONDS.toMillis(30));

        assertNull(failure.get(), () -> "a thread failed: " + failure.get());
        assertTrue(lookups.get() > 0, "the reader never ran");

        // final state: exactly what the models say, each recipient once
        for (String lob : LOBS) {
            for (String contact : CONTACTS) {
                Set<TestSubscriber> expected = new HashSet<>();
                models.forEach((subscriber, model) -> {
                    if (model.receives(lob, contact)) {
                        expected.add(subscriber);
                    }
                });
                if (lob.equals("lob-0")) {
                    expected.add(stableLobWide);
                }
                if (lob.equals("lob-1") && contact.equals("c0")) {
                    expected.add(stableContact);
                }
                List<TestSubscriber> actual = new ArrayList<>();
                int count = registry.forEachRecipient(lob, contact, actual::add);
                assertEquals(expected, new HashSet<>(actual), "recipients of (" + lob + ", " + contact + ")");
                assertEquals(actual.size(), new HashSet<>(actual).size(), "duplicates: " + actual);
                assertEquals(actual.size(), count);
            }
        }
        long lobsInUse = LOBS.stream().filter(lob -> lob.equals("lob-0") || lob.equals("lob-1")
                || models.values().stream().anyMatch(m -> m.any(lob))).count();
        assertEquals(lobsInUse, registry.lobCount());

        // and everything can be taken down again, leaving nothing behind
        models.forEach((subscriber, model) -> {
            for (String lob : LOBS) {
                registry.unsubscribeLob(lob, subscriber);
                registry.unsubscribeContacts(lob, CONTACTS, subscriber);
            }
        });
        registry.unsubscribeLob("lob-0", stableLobWide);
        registry.unsubscribeContacts("lob-1", List.of("c0"), stableContact);
        assertEquals(0, registry.lobCount());
    }

    private static List<String> randomContacts(Random random) {
        int n = 1 + random.nextInt(3);
        List<String> contacts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            contacts.add(CONTACTS.get(random.nextInt(CONTACTS.size())));
        }
        return contacts;
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
