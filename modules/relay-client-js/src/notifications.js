// Notifications: what listeners get from an `event` frame.

/**
 * Turns an `event` frame of the relay into the notification handed to listeners: the frame's id, cursor,
 * lobId and contactId, the notification as produced (`data`), and what a front-end switches on
 * (`payloadType`, `state`, `verified`, `contact`).
 */
export function toNotification(frame, node = null) {
  const data = frame.data && typeof frame.data === 'object' ? frame.data : {};
  const payload = data.payload && typeof data.payload === 'object' ? data.payload : {};
  return {
    id: frame.id,
    cursor: frame.cursor,
    lobId: frame.lobId,
    contactId: frame.contactId,
    // W3C trace context of the notification (the relay's span, or the producer's): the parent of a front-end span
    traceparent: typeof frame.traceparent === 'string' ? frame.traceparent : null,
    payloadType: data.payloadType,
    state: stateOf(data.payloadType, payload),
    payload,
    verified: verifiedOf(data.verified),
    contact: contactOf(payload),
    data,
    node,
    receivedAt: new Date(),
  };
}

/** The state a front-end switches on: `state`, `credentialStatus` or `proofRequestStatus` depending on the type. */
export function stateOf(payloadType, payload) {
  if (!payload) {
    return null;
  }
  switch (payloadType) {
    case 'CONNECTION_RESPONSE':
      return payload.state ?? null;
    case 'ISSUANCE_RESPONSE':
      return payload.credentialStatus ?? null;
    case 'VERIFICATION_RESPONSE':
      // the Holder's shape uses credentialStatus for the verification state (see schemas/README.md)
      return payload.proofRequestStatus ?? payload.credentialStatus ?? null;
    default:
      return null;
  }
}

function verifiedOf(value) {
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  return null;
}

/** contactDetail as an object, whether the producer sent it as an object or serialized it into a string. */
function contactOf(payload) {
  const detail = payload.contactDetail;
  if (detail && typeof detail === 'object') {
    return detail;
  }
  if (typeof detail === 'string') {
    try {
      const parsed = JSON.parse(detail);
      return parsed && typeof parsed === 'object' ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}
