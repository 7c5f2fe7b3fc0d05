import { type FormEvent, useState } from "react";

/**
 * A new password typed twice, then sent (`send` answers the auth service's failure in words, or null):
 * the reset link's page and the email change's undo page. The two typings must match before anything is sent.
 */
export function useNewPasswordForm(send: (newPassword: string) => Promise<string | null>, done: () => void) {
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeated) {
      setError("The two passwords are not the same.");
      return;
    }
    setPending(true);
    setError(null);
    const failure = await send(password);
    setPending(false);
    if (failure) setError(failure);
    else done();
  }

  return { password, setPassword, repeated, setRepeated, pending, error, submit };
}
