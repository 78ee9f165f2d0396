import { useEffect, useState } from 'react';

import { call, type People } from './api';

/**
 * The people of the institution the node's index has seen at work (offered when assigning, and in the queue's
 * assignee filter); `initial` until the node answers, and kept if it does not.
 */
export function usePeople(initial: readonly string[] = []): readonly string[] {
  const [people, setPeople] = useState<readonly string[]>(initial);
  useEffect(() => {
    call<People>('GET', '/v1/people')
      .then((r) => {
        setPeople(r.items);
      })
      .catch(() => undefined);
  }, []);
  return people;
}
